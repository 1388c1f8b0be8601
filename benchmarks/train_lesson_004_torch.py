"""Train lesson 004's PyTorch ConvNet on the real Fashion-MNIST for 3 epochs, with strided.torch
(default) or with real PyTorch (--pytorch): the same code, only the imports differ.

    python benchmarks/train_lesson_004_torch.py            # strided.torch
    python benchmarks/train_lesson_004_torch.py --pytorch  # PyTorch, for comparison

Prints the loss, test accuracy and time of each epoch. Needs Fashion-MNIST on this machine
(strided.datasets.fashion_mnist finds the Debian package or its cache). This is a benchmark,
not a test.
"""

import argparse
import importlib
import time

import numpy as np

from strided.datasets import fashion_mnist


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pytorch", action="store_true", help="run on real PyTorch instead")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    prefix = "" if args.pytorch else "strided."
    torch = importlib.import_module(prefix + "torch")
    nn = importlib.import_module(prefix + "torch.nn")
    data = importlib.import_module(prefix + "torch.utils.data")
    torch.set_num_threads(args.threads)
    if not args.pytorch:
        import strided

        strided.set_num_threads(args.threads)

    (x, y), (xt, yt) = fashion_mnist.load_data(download=False)

    def prep(images, labels):
        images = (images.astype(np.float32) / 255.0 - 0.2860) / 0.3530
        return data.TensorDataset(torch.from_numpy(images[:, None]), torch.from_numpy(labels.astype(np.int64)))

    train_loader = data.DataLoader(prep(x, y), batch_size=100, shuffle=True)
    test_loader = data.DataLoader(prep(xt, yt), batch_size=1000)

    class ConvNet(nn.Module):
        def __init__(self, num_classes=10):
            super(ConvNet, self).__init__()
            self.layer1 = nn.Sequential(
                nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
                nn.BatchNorm2d(16),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2))
            self.layer2 = nn.Sequential(
                nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
                nn.BatchNorm2d(32),
                nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2))
            self.fc = nn.Linear(7*7*32, num_classes)

        def forward(self, x):
            out = self.layer1(x)
            out = self.layer2(out)
            out = out.reshape(out.size(0), -1)
            out = self.fc(out)
            return out

    torch.manual_seed(0)
    model = ConvNet(10)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    for epoch in range(args.epochs):
        start = time.time()
        model.train()
        for images, labels in train_loader:
            loss = criterion(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for images, labels in test_loader:
                _, predicted = torch.max(model(images).data, 1)
                total += labels.size(0)
                correct += (predicted == labels).sum().item()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, test accuracy {100 * correct / total:.2f}%, "
              f"{time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
