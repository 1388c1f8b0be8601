"""DistributedSampler gives every rank exactly the indices PyTorch 2.13's gives it (no process
group needed), and feeds a DataLoader; the shuffle is torch.randperm's own permutation."""

import numpy as np
import pytest
import torch as real
from torch.utils.data.distributed import DistributedSampler as RealSampler

import strided.torch as st
from strided.torch.utils.data import DataLoader, DistributedSampler, TensorDataset
from strided.torch.utils.data.distributed import torch_randperm

CASES = [  # (length, replicas, shuffle, drop_last, epoch, seed)
    (10, 2, False, False, 0, 0),
    (10, 3, False, False, 0, 0),
    (10, 3, False, True, 0, 0),
    (11, 4, True, False, 0, 0),
    (11, 4, True, True, 1, 0),
    (100, 3, True, False, 7, 42),
    (100, 3, True, True, 2, 42),
    (5, 8, True, False, 3, 1),    # more replicas than samples: indices repeat to pad
    (5, 8, False, True, 0, 0),    # ... or nothing is left when dropping the tail
    (1, 2, True, False, 0, 0),
    (0, 2, True, False, 0, 0),
    (60000, 7, True, False, 1, 0),
]


@pytest.mark.parametrize("length, replicas, shuffle, drop_last, epoch, seed", CASES)
def test_index_lists_equal_pytorch(length, replicas, shuffle, drop_last, epoch, seed):
    dataset = list(range(length))
    for rank in range(replicas):
        ours = DistributedSampler(dataset, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                                  drop_last=drop_last)
        theirs = RealSampler(dataset, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed,
                             drop_last=drop_last)
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        assert list(ours) == list(theirs), (rank, length, replicas)
        assert len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


def test_shares_cover_the_dataset_once_per_epoch_and_change_with_the_epoch():
    dataset = list(range(20))
    samplers = [DistributedSampler(dataset, num_replicas=4, rank=r, seed=3) for r in range(4)]
    first = [list(s) for s in samplers]
    assert sorted(i for share in first for i in share) == dataset
    for sampler in samplers:
        sampler.set_epoch(1)
    second = [list(s) for s in samplers]
    assert second != first and sorted(i for share in second for i in share) == dataset
    assert [list(s) for s in samplers] == second  # the same epoch gives the same order again


@pytest.mark.parametrize("n, seed", [(2, 0), (17, 5), (1000, 2**32 + 9), (300, 123456789)])
def test_randperm_is_pytorchs(n, seed):
    generator = real.Generator()
    generator.manual_seed(seed)
    assert torch_randperm(n, seed) == real.randperm(n, generator=generator).tolist()


def test_dataloader_reads_this_ranks_share_in_batches():
    images = st.arange(24.0).reshape(12, 2)
    labels = st.arange(12)
    dataset = TensorDataset(images, labels)
    sampler = DistributedSampler(dataset, num_replicas=3, rank=1, shuffle=True, seed=0)
    sampler.set_epoch(2)
    loader = DataLoader(dataset, batch_size=3, sampler=sampler)
    batches = list(loader)
    assert [len(y) for _, y in batches] == [3, 1]
    seen = [int(v) for _, y in batches for v in y.tolist()]
    assert seen == list(sampler)
    real_sampler = RealSampler(range(12), num_replicas=3, rank=1, shuffle=True, seed=0)
    real_sampler.set_epoch(2)
    assert seen == list(real_sampler)
    np.testing.assert_array_equal(batches[0][0].numpy(), images.numpy()[seen[:3]])


def test_bad_arguments_are_refused_as_pytorch_does():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(5), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas should be a positive integer"):
        DistributedSampler(range(5), num_replicas=0, rank=0)
    with pytest.raises(TypeError, match="needs a dataset with a length"):
        DistributedSampler(iter(range(5)), num_replicas=2, rank=0)


def test_without_a_process_group_the_defaults_fail_like_pytorch():
    with pytest.raises(ValueError, match="Default process group has not been initialized") as ours:
        DistributedSampler(range(5))
    with pytest.raises(ValueError) as theirs:
        RealSampler(range(5))
    assert str(ours.value) == str(theirs.value)
