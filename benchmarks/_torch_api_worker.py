"""One measurement of PyTorch code in its own process, run by real PyTorch or by strided.torch.

    python benchmarks/_torch_api_worker.py '<task as JSON>'

For bench_training.py's rows of PyTorch-style code (lesson 004's ConvNet): task["framework"]
"torch" imports real PyTorch, "strided" imports `strided.torch` in its place; everything else
(the model class, the idiomatic loop of `_torch_runner.train_epoch`: randperm, batches sliced
from tensors in memory, zero_grad / loss / backward / optimizer step, loss and accuracy
accumulated; prediction as `_torch_runner`'s: eval(), inference_mode(), softmax of each batch)
is the same code. Each model trains as its program does (`RECIPES`): lesson 004's ConvNet
with cross_entropy and Adam, the PyTorch MNIST example's Net with nll_loss on its log_softmax
and Adadelta(lr=1.0). The last line printed is `BENCH_RESULT <JSON>`, as _worker.py.
"""

import importlib
import json
import sys

import _data
import numpy as np
from _measure import best_time, peak_rss_mb

MARKER = "BENCH_RESULT "


def lesson_004_convnet(nn, num_classes=10):
    """Lesson 004's ConvNet, as the lesson writes it."""

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Sequential(nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2), nn.BatchNorm2d(16),
                                        nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2))
            self.layer2 = nn.Sequential(nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2), nn.BatchNorm2d(32),
                                        nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2))
            self.fc = nn.Linear(7 * 7 * 32, num_classes)

        def forward(self, x):
            out = self.layer2(self.layer1(x))
            return self.fc(out.reshape(out.size(0), -1))

    return ConvNet()


def pytorch_mnist_example(nn, num_classes=10):
    """The `Net` of the PyTorch examples repository's mnist/main.py, as it is written there
    (its `F` and `torch` are the ones of the framework that built `nn`)."""
    torch = importlib.import_module(nn.__name__.rsplit(".", 1)[0])
    F = importlib.import_module(nn.__name__ + ".functional")  # noqa: N806

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, num_classes)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    return Net()


MODELS = {"lesson004_convnet": lesson_004_convnet, "pytorch_mnist_example": pytorch_mnist_example}
# How each model's program trains it: (loss function name in F, optimizer class name, its arguments).
RECIPES = {
    "lesson004_convnet": ("cross_entropy", "Adam", {"lr": 1e-3, "eps": 1e-7}),
    "pytorch_mnist_example": ("nll_loss", "Adadelta", {"lr": 1.0}),
}


def libraries(framework, threads):
    """(torch, F, version) of real PyTorch or of strided.torch, on `threads` threads."""
    prefix = "strided." if framework == "strided" else ""
    torch = importlib.import_module(prefix + "torch")
    functional = importlib.import_module(prefix + "torch.nn.functional")
    torch.set_num_threads(threads)
    if framework == "strided":
        import strided

        strided.set_num_threads(threads)
        return torch, functional, f"strided {strided.__version__} (strided.torch)"
    return torch, functional, f"torch {torch.__version__}"


def train_epoch(torch, F, model, optimizer, x, y, batch, loss_function=None):
    """One shuffled epoch of (x, y) tensors, the idiomatic PyTorch loop (also `_torch_runner`'s);
    returns (mean loss, accuracy). The loss is F.cross_entropy unless `loss_function` is given."""
    loss_function = loss_function or F.cross_entropy
    model.train()
    count = len(x)
    order = torch.randperm(count)
    total_loss, correct = 0.0, 0
    for start in range(0, count, batch):
        index = order[start:start + batch]
        xb, yb = x[index], y[index]
        optimizer.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = loss_function(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(index)
        correct += (logits.argmax(1) == yb).sum().item()
    return total_loss / count, correct / count


def predict(torch, model, x, batch):
    """Class probabilities of x, a batch at a time, as `_torch_runner`'s predict."""
    model.eval()
    with torch.inference_mode():
        parts = [torch.softmax(model(x[i:i + batch]), 1) for i in range(0, len(x), batch)]
        return torch.cat(parts).numpy()


def run_task(task):
    torch, F, version = libraries(task["framework"], task["threads"])
    images, batch = task["images"], task["batch"]
    loader = _data.train_data if task["kind"] == "train_epoch" else _data.test_data
    x, y = loader("fashion_cnn", images)  # real Fashion-MNIST, 28x28x1
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    y = torch.from_numpy(y)
    torch.manual_seed(0)
    model = MODELS[task["model"]](importlib.import_module(torch.__name__ + ".nn"))
    loss_name, optimizer_name, options = RECIPES[task["model"]]
    if task["kind"] == "train_epoch":
        optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), **options)
        loss_function = getattr(F, loss_name)
        warm = 2 * batch + images % batch
        train_epoch(torch, F, model, optimizer, x[:warm], y[:warm], batch, loss_function)
        seconds = best_time(lambda: train_epoch(torch, F, model, optimizer, x, y, batch, loss_function), 1)
    elif task["kind"] == "predict":
        predict(torch, model, x[:2 * batch], batch)  # warm-up
        seconds = best_time(lambda: predict(torch, model, x, batch), task["repeats"])
    else:
        raise ValueError(f"_torch_api_worker: unknown task kind {task['kind']!r}")
    return {"seconds": seconds, "version": version, "peak_mb": peak_rss_mb()}


if __name__ == "__main__":
    outcome = run_task(json.loads(sys.argv[1]))
    sys.stdout.flush()
    print(MARKER + json.dumps(outcome), flush=True)
