"""One measurement of PyTorch code in its own process, run by real PyTorch or by strided.torch.

    python benchmarks/_torch_api_worker.py '<task as JSON>'

For bench_training.py's rows of PyTorch-style code (lesson 004's ConvNet): task["framework"]
"torch" imports real PyTorch, "strided" imports `strided.torch` in its place; everything else
(the model class, the idiomatic loop of `_torch_runner.train_epoch`: randperm, batches sliced
from tensors in memory, zero_grad / cross_entropy / backward / Adam step, loss and accuracy
accumulated) is the same code. The last line printed is `BENCH_RESULT <JSON>`, as _worker.py.
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


MODELS = {"lesson004_convnet": lesson_004_convnet}


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


def train_epoch(torch, F, model, optimizer, x, y, batch):
    """One shuffled epoch of (x, y) tensors, the idiomatic PyTorch loop (also `_torch_runner`'s);
    returns (mean loss, accuracy)."""
    model.train()
    count = len(x)
    order = torch.randperm(count)
    total_loss, correct = 0.0, 0
    for start in range(0, count, batch):
        index = order[start:start + batch]
        xb, yb = x[index], y[index]
        optimizer.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(index)
        correct += (logits.argmax(1) == yb).sum().item()
    return total_loss / count, correct / count


def run_task(task):
    torch, F, version = libraries(task["framework"], task["threads"])
    images, batch = task["images"], task["batch"]
    x, y = _data.train_data("fashion_cnn", images)  # real Fashion-MNIST, 28x28x1
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    y = torch.from_numpy(y)
    torch.manual_seed(0)
    model = MODELS[task["model"]](importlib.import_module(torch.__name__ + ".nn"))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    warm = 2 * batch + images % batch
    train_epoch(torch, F, model, optimizer, x[:warm], y[:warm], batch)
    if task["kind"] == "train_epoch":
        seconds = best_time(lambda: train_epoch(torch, F, model, optimizer, x, y, batch), 1)
    else:
        raise ValueError(f"_torch_api_worker: unknown task kind {task['kind']!r}")
    return {"seconds": seconds, "version": version, "peak_mb": peak_rss_mb()}


if __name__ == "__main__":
    outcome = run_task(json.loads(sys.argv[1]))
    sys.stdout.flush()
    print(MARKER + json.dumps(outcome), flush=True)
