# %% [markdown]
# # PyTorch DistributedDataParallel on strided, over MPI
#
# PyTorch trains one model on several processes with `DistributedDataParallel` (DDP): every
# process (a *rank*) holds a copy of the model, reads its own share of each epoch's data
# (`DistributedSampler`), and after `loss.backward()` the gradients are averaged over the ranks,
# so every copy takes the same optimizer step. strided runs such a program on MPI with only
# the imports changed:
#
#     import torch.distributed as dist            ->  import strided.torch.distributed as dist
#     from torch.nn.parallel import DistributedDataParallel as DDP
#                                                 ->  from strided.torch.nn.parallel import ...
#     from torch.utils.data.distributed import DistributedSampler
#                                                 ->  from strided.torch.utils.data.distributed import ...
#
# and it is started by MPI's launcher instead of `torchrun`:
#
#     mpiexec -n 2 python examples/12_pytorch_ddp.py
#
# (`pip install "strided[mpi]"` brings mpi4py; the `mpich` wheel or the cluster's MPI runs it.)
# Run as a plain script or notebook, the same code trains on one rank.
#
# With equal shards and a mean loss per rank, averaging the gradients makes one DDP step on
# N ranks equal one step on the whole global batch (N times the per-rank batch): the ranks
# only share the work.

# %%
import os
import time
from pathlib import Path

import numpy as np

import strided.torch as torch
import strided.torch.distributed as dist
import strided.torch.nn as nn
from strided.torch.nn.parallel import DistributedDataParallel as DDP
from strided.torch.utils.data import DataLoader, TensorDataset
from strided.torch.utils.data.distributed import DistributedSampler

QUICK = os.environ.get("STRIDED_EXAMPLE_QUICK") == "1"   # a few hundred images, one epoch
OUT = Path(os.environ.get("STRIDED_EXAMPLE_OUT", "example_output"))

dist.init_process_group("mpi")   # PyTorch programs often say "gloo": strided runs that on MPI too
rank, world_size = dist.get_rank(), dist.get_world_size()


def say(*args):
    """Print once for the whole job (on rank 0), as DDP programs do."""
    if rank == 0:
        print(*args, flush=True)


say(f"world size: {world_size} (rank 0 prints for everyone)")

# %% [markdown]
# ## Fashion-MNIST, one share per rank
#
# Every rank loads the same dataset; `DistributedSampler` gives rank r the indices
# r, r + N, r + 2N, ... of an order shuffled with `seed + epoch` (the same on every rank, so
# the shares never overlap). `set_epoch` makes every epoch's order different.

# %%
from strided.datasets import DatasetError, DatasetNotFoundError, fashion_mnist  # noqa: E402

try:
    if QUICK:
        raise DatasetNotFoundError("quick mode")
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(download=False)
    dataset_name = "Fashion-MNIST"
except (DatasetNotFoundError, DatasetError):
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data(sample=True)
    dataset_name = "the Fashion-MNIST sample"
if QUICK:
    x_train, y_train, x_test, y_test = x_train[:512], y_train[:512], x_test[:256], y_test[:256]
num_epochs = 1 if QUICK else 3


def as_tensors(images, labels):
    images = (images.astype(np.float32) / 255.0 - 0.2860) / 0.3530  # Fashion-MNIST's mean and std
    return TensorDataset(torch.from_numpy(images[:, None]), torch.from_numpy(labels.astype(np.int64)))


train_set = as_tensors(x_train, y_train)
per_rank_batch = 64
sampler = DistributedSampler(train_set, shuffle=True, seed=0)
train_loader = DataLoader(train_set, batch_size=per_rank_batch, sampler=sampler)
say(f"dataset: {dataset_name}, {len(train_set)} training images, {len(sampler)} per rank, "
    f"global batch {per_rank_batch * world_size}")

# %% [markdown]
# ## The model, wrapped in DDP
#
# `DDP(model)` copies rank 0's weights to every rank (each rank seeded differently here, to show
# it); `model.module` is the wrapped network.

# %%
class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(32 * 7 * 7, num_classes)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


torch.manual_seed(rank)   # different on every rank: DDP makes them equal
model = DDP(ConvNet())
say("parameters:", sum(p.numel() for p in model.parameters()))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

# %% [markdown]
# ## Training
#
# The loop is PyTorch's; the only DDP-specific line is `sampler.set_epoch(epoch)`. The loss
# printed is averaged over the ranks with `dist.all_reduce`.

# %%
for epoch in range(num_epochs):
    sampler.set_epoch(epoch)
    model.train()
    start = time.time()
    total_loss, batches = torch.zeros(1, dtype=torch.float64), 0
    for images, labels in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()            # .grad is now the average over the ranks
        optimizer.step()
        total_loss += loss.item()
        batches += 1
    dist.all_reduce(total_loss, op=dist.ReduceOp.SUM)
    say(f"Epoch [{epoch + 1}/{num_epochs}], mean loss over ranks: "
        f"{total_loss.item() / (batches * world_size):.4f}, {time.time() - start:.0f} s")

# %% [markdown]
# ## Every rank holds the same model; the test set is shared out too
#
# Each rank scores its own slice of the test images; `all_reduce` adds the counts.

# %%
weights = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
everyone = [None] * world_size
dist.all_gather_object(everyone, weights.tobytes())
say("weights identical on every rank:", all(w == everyone[0] for w in everyone))

test_images, test_labels = as_tensors(x_test[rank::world_size], y_test[rank::world_size]).tensors
model.eval()
with torch.no_grad():
    predicted = model(test_images).argmax(dim=1)
counts = torch.tensor([(predicted == test_labels).sum().item(), len(test_labels)], dtype=torch.int64)
dist.all_reduce(counts)
correct, total = counts.tolist()
say(f"test accuracy: {correct / total:.4f} ({correct} of {total} images)")

# %% [markdown]
# Only rank 0 writes files (every rank holds the same weights).

# %%
if rank == 0:
    OUT.mkdir(parents=True, exist_ok=True)
    torch.save(model.module.state_dict(), OUT / "12_ddp_convnet.pt")
    say("saved", OUT / "12_ddp_convnet.pt")
dist.destroy_process_group()
