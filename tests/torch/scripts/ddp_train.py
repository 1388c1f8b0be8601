"""Run under `mpiexec -n N`: a small ConvNet trained with DistributedDataParallel on this rank's
DistributedSampler share, in float64; rank 0 also trains a plain copy on the whole global batch
of every step. Each rank writes what it observed to $DDP_RESULT_DIR/rank<r>.json (checked by
tests/torch/test_distributed.py).

Also observed: the weights rank 0 broadcasts at construction, `.grad` after one backward
against the average of plain local gradients, `no_sync()` accumulation, buffers copied from
rank 0 before a forward, a parameter only some ranks use, state_dict names, and SyncBatchNorm
against BatchNorm on the whole global batch.
"""

import copy
import json
import os

import numpy as np

import strided.torch as torch
import strided.torch.distributed as dist
import strided.torch.nn as nn
from strided.torch.nn.parallel import DistributedDataParallel as DDP
from strided.torch.utils.data import DataLoader, TensorDataset
from strided.torch.utils.data.distributed import DistributedSampler


def report(observed):
    """Write what this rank observed to $DDP_RESULT_DIR/rank<r>.json (one file per rank)."""
    with open(os.path.join(os.environ["DDP_RESULT_DIR"], f"rank{observed['rank']}.json"), "w") as file:
        json.dump(observed, file)


torch.set_default_dtype(torch.float64)
dist.init_process_group("mpi")
rank, size = dist.get_rank(), dist.get_world_size()
observed = {"rank": rank, "size": size}


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(4, 6, 3), nn.Tanh())
        self.fc = nn.Linear(6 * 2 * 2, 5)
        self.register_buffer("seen", torch.zeros(1))

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def parameters_of(module):
    return {name: p.detach().numpy().copy() for name, p in module.named_parameters()}


def gradients_of(module):
    return {name: p.grad.numpy().copy() for name, p in module.named_parameters()}


def max_difference(a, b):
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


torch.manual_seed(100 + rank)  # every rank starts from different weights: DDP must copy rank 0's
model = ConvNet()
model.seen.fill_(float(rank + 7))
before = parameters_of(model)
ddp = DDP(model)
after = parameters_of(ddp.module)
rank0 = [None] * size
dist.all_gather_object(rank0, after)
observed["weights_equal_rank0_after_construction"] = max_difference(after, rank0[0]) == 0.0
observed["weights_changed_on_this_rank"] = max_difference(before, after) > 0
observed["buffer_after_construction"] = ddp.module.seen.tolist()
observed["module_is_wrapped_model"] = ddp.module is model
observed["state_dict_keys"] = sorted(ddp.state_dict())[:3]

generator = np.random.default_rng(0)
images = torch.from_numpy(generator.standard_normal((32, 1, 8, 8)))
labels = torch.from_numpy(generator.integers(0, 5, size=32))
criterion = nn.CrossEntropyLoss()

# --- .grad after one backward: the average of the ranks' plain local gradients
plain = copy.deepcopy(model)
shard = slice(rank * 4, rank * 4 + 4)
criterion(plain(images[shard]), labels[shard]).backward()
local = [None] * size
dist.all_gather_object(local, gradients_of(plain))
expected = {name: sum(g[name] for g in local) / size for name in local[0]}
ddp.module.seen.fill_(3.0 if rank == 0 else -1.0)  # a forward first copies rank 0's buffers again
criterion(ddp(images[shard]), labels[shard]).backward()
observed["buffer_before_forward_copied"] = ddp.module.seen.tolist()
observed["grad_vs_average_of_local"] = max_difference(gradients_of(model), expected)
grads = [None] * size
dist.all_gather_object(grads, gradients_of(model))
observed["grads_identical_on_ranks"] = max_difference(grads[rank], grads[0]) == 0.0

# --- no_sync: two local backwards accumulate, the third (synchronised) averages the sum
model.zero_grad()
plain.zero_grad()
batches = [slice(start, start + 4) for start in ((3 * rank + 5 * k) % 28 for k in range(1, 4))]
with ddp.no_sync():
    for batch in batches[:2]:
        criterion(ddp(images[batch]), labels[batch]).backward()
inside = [None] * size
dist.all_gather_object(inside, gradients_of(model))
observed["no_sync_grads_differ_between_ranks"] = size > 1 and max_difference(inside[0], inside[-1]) > 0
criterion(ddp(images[batches[2]]), labels[batches[2]]).backward()
for batch in batches:
    criterion(plain(images[batch]), labels[batch]).backward()
local = [None] * size
dist.all_gather_object(local, gradients_of(plain))
expected = {name: sum(g[name] for g in local) / size for name in local[0]}
observed["no_sync_then_sync_vs_average"] = max_difference(gradients_of(model), expected)


# --- a parameter only rank 0 uses: every rank gets (rank 0's gradient + zeros) / size
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 1)
        self.b = nn.Linear(3, 1)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


torch.manual_seed(0)
branchy = DDP(Branchy())
branchy(torch.ones(2, 3), use_b=rank == 0).sum().backward()
observed["unused_parameter_grad"] = branchy.module.b.weight.grad.tolist()
observed["used_parameter_grad"] = branchy.module.a.weight.grad.tolist()

# --- training: DDP on shards vs one process on the whole global batch
torch.manual_seed(5)
model = ConvNet()
reference = copy.deepcopy(model)
ddp = DDP(model)
start = parameters_of(model)
reference.load_state_dict(ddp.module.state_dict())
optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
dataset = TensorDataset(images, labels)
per_rank_batch = 4
sampler = DistributedSampler(dataset, shuffle=True, seed=3)
loader = DataLoader(dataset, batch_size=per_rank_batch, sampler=sampler)
shares = [DistributedSampler(dataset, num_replicas=size, rank=r, shuffle=True, seed=3) for r in range(size)]
steps = 0
for epoch in range(2):
    sampler.set_epoch(epoch)
    for share in shares:
        share.set_epoch(epoch)
    orders = [list(share) for share in shares]
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        criterion(ddp(x), y).backward()
        optimizer.step()
        steps += 1
        whole = [i for order in orders for i in order[step * per_rank_batch:(step + 1) * per_rank_batch]]
        reference_optimizer.zero_grad()
        criterion(reference(images[whole]), labels[whole]).backward()
        reference_optimizer.step()
observed["steps"] = steps
observed["train_vs_whole_batch"] = max_difference(parameters_of(model), parameters_of(reference))
final = [None] * size
dist.all_gather_object(final, parameters_of(model))
observed["final_weights_identical_on_ranks"] = max_difference(final[rank], final[0]) == 0.0
observed["moved_from_start"] = max_difference(parameters_of(model), start)


# --- SyncBatchNorm: every rank normalises with the whole global batch's statistics
class BatchNormNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Linear(4 * 3 * 3, 6), nn.BatchNorm1d(6), nn.Linear(6, 5))

    def forward(self, x):
        return self.head(self.body(x).flatten(1))


torch.manual_seed(9)
batch_norm_model = BatchNormNet()
reference = copy.deepcopy(batch_norm_model)
synced = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(batch_norm_model))
observed["batchnorm_layers"] = [type(m).__name__ for m in synced.modules() if isinstance(m, nn.modules.normalization._BatchNorm)]
optimizer = torch.optim.SGD(synced.parameters(), lr=0.1, momentum=0.9)
reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
for step in range(3):
    whole = [(step * 4 * size + i) % 32 for i in range(4 * size)]
    mine = whole[4 * rank:4 * rank + 4]
    optimizer.zero_grad()
    criterion(synced(images[mine]), labels[mine]).backward()
    optimizer.step()
    reference_optimizer.zero_grad()
    criterion(reference(images[whole]), labels[whole]).backward()
    reference_optimizer.step()
observed["sync_batchnorm_vs_whole_batch"] = max_difference(parameters_of(synced.module), parameters_of(reference))
buffers = {name: b.numpy().astype(np.float64) for name, b in synced.module.named_buffers()}
reference_buffers = {name: b.numpy().astype(np.float64) for name, b in reference.named_buffers()}
observed["sync_batchnorm_running_stats_vs_whole_batch"] = max_difference(buffers, reference_buffers)
synced.eval()
reference.eval()
with torch.no_grad():
    observed["sync_batchnorm_eval_outputs"] = float(np.max(np.abs(
        synced(images[:6]).numpy() - reference(images[:6]).numpy())))
dist.destroy_process_group()
report(observed)
