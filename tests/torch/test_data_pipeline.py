"""The data side of a PyTorch training script, end to end: dataset, transforms, split, loader, save."""

import numpy as np
import torch as real

import strided.torch as torch
import strided.torch.nn as nn
import strided.torch.nn.functional as F
from strided.torch import optim
from strided.torch.utils.data import DataLoader, Subset, random_split
from strided.torchvision import datasets, transforms


def test_a_pytorch_style_training_script_runs_and_its_checkpoint_opens_in_pytorch(tmp_path):
    torch.manual_seed(0)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
    full = datasets.FashionMNIST("data", train=True, download=False, sample=True, transform=transform)
    train, val = random_split(Subset(full, range(640)), [0.8, 0.2], generator=torch.Generator().manual_seed(1))
    loader = DataLoader(train, batch_size=64, shuffle=True, num_workers=2, pin_memory=True)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 14 * 14, 10))
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def validation_loss():
        model.eval()
        with torch.no_grad():
            return sum(F.cross_entropy(model(x), y, reduction="sum").item()
                       for x, y in DataLoader(val, batch_size=200)) / len(val)

    before = validation_loss()
    for _ in range(2):
        model.train()
        for images, labels in loader:
            assert tuple(images.shape[1:]) == (1, 28, 28) and labels.dtype == torch.int64
            optimizer.zero_grad()
            F.cross_entropy(model(images), labels).backward()
            optimizer.step()
    assert validation_loss() < 0.8 * before

    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "checkpoint.pt")
    reference = real.nn.Sequential(real.nn.Conv2d(1, 4, 3, padding=1), real.nn.ReLU(), real.nn.MaxPool2d(2),
                                   real.nn.Flatten(), real.nn.Linear(4 * 14 * 14, 10))
    reference.load_state_dict(real.load(tmp_path / "checkpoint.pt", weights_only=True)["model"])
    images, _ = next(iter(DataLoader(val, batch_size=8)))
    with torch.no_grad():
        ours = model(images).numpy()
    np.testing.assert_allclose(reference(real.from_numpy(images.numpy())).detach().numpy(), ours, atol=1e-5)
