"""strided.torch.utils.data against torch.utils.data: the same batches, collation, lengths and errors."""

import collections
import warnings

import numpy as np
import pytest
import torch as real
import torch.utils.data as real_data
from hypothesis import given, settings
from hypothesis import strategies as st

import strided.torch as torch
from strided.torch.utils import data


def plain(value):
    """Tensors of either library -> ndarrays (with dtype), containers kept, for comparisons."""
    if isinstance(value, (torch.Tensor, real.Tensor)):
        array = value.detach().numpy()
        return ("tensor", str(array.dtype), array.tolist())
    if isinstance(value, dict):
        return (type(value).__name__, {k: plain(v) for k, v in value.items()})
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v) for v in value])
    return value


def both_datasets(n, features=3):
    x = np.arange(n * features, dtype=np.float32).reshape(n, features)
    y = np.arange(n) % 4
    return (data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
            real_data.TensorDataset(real.from_numpy(x), real.from_numpy(y)))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 23), batch_size=st.integers(1, 9), drop_last=st.booleans())
def test_sequential_batches_and_lengths_match_pytorch(n, batch_size, drop_last):
    ours, theirs = both_datasets(n)
    loader = data.DataLoader(ours, batch_size=batch_size, drop_last=drop_last)
    reference = real_data.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(reference)
    assert [plain(b) for b in loader] == [plain(b) for b in reference]


Point = collections.namedtuple("Point", "x y")
SAMPLES = [
    [(np.ones((2, 2), np.float32) * i, i) for i in range(3)],
    [{"image": np.full(3, i, np.uint8), "label": float(i), "name": f"n{i}", "flag": i % 2 == 0} for i in range(3)],
    [[i, i + 1.5] for i in range(4)],
    [Point(np.float32(i), np.int64(i)) for i in range(2)],
    [collections.OrderedDict(a=i, b=(i, 2 * i)) for i in range(3)],
    [np.float64(i) for i in range(3)],
    [b"x", b"y"],
]


@pytest.mark.parametrize("batch", SAMPLES, ids=range(len(SAMPLES)))
def test_default_collate_and_convert_match_pytorch(batch):
    assert plain(data.default_collate(batch)) == plain(real_data.default_collate(batch))
    assert plain(data.default_convert(batch[0])) == plain(real_data.default_convert(batch[0]))


def test_default_collate_stacks_tensors_and_explains_unequal_shapes():
    batch = data.default_collate([(torch.ones(2, 3), 1), (torch.zeros(2, 3), 0)])
    assert isinstance(batch, list) and batch[0].shape == (2, 2, 3) and batch[1].dtype == torch.int64
    with pytest.raises(RuntimeError, match=r"equal size.*\(2,\), \(3,\)"):
        data.default_collate([torch.ones(2), torch.ones(3)])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        data.default_collate([object(), object()])


def test_no_batching_and_custom_collate_match_pytorch():
    ours, theirs = both_datasets(5)
    assert [plain(b) for b in data.DataLoader(ours, batch_size=None)] == [
        plain(b) for b in real_data.DataLoader(theirs, batch_size=None)
    ]
    def first_items(batch):
        return [int(item[1]) for item in batch]
    assert list(data.DataLoader(ours, batch_size=2, collate_fn=first_items)) == list(
        real_data.DataLoader(theirs, batch_size=2, collate_fn=first_items)
    )


def test_seeded_shuffle_is_reproducible_and_a_permutation_each_epoch():
    ours, _ = both_datasets(20)

    def epochs(loader, count=3):
        """The row index of every sample, epoch by epoch (row i holds 3i, 3i+1, 3i+2)."""
        return [[int(v) // 3 for x, _ in loader for v in x.numpy()[:, 0]] for _ in range(count)]

    first = epochs(data.DataLoader(ours, batch_size=6, shuffle=True, generator=torch.Generator().manual_seed(7)))
    second = epochs(data.DataLoader(ours, batch_size=6, shuffle=True, generator=torch.Generator().manual_seed(7)))
    other = epochs(data.DataLoader(ours, batch_size=6, shuffle=True, generator=torch.Generator().manual_seed(8)))
    assert first == second and first != other
    assert all(sorted(epoch) == list(range(20)) for epoch in first)
    assert first[0] != first[1]  # a new order every epoch
    torch.manual_seed(3)
    default_a = epochs(data.DataLoader(ours, batch_size=6, shuffle=True), 1)
    torch.manual_seed(3)
    default_b = epochs(data.DataLoader(ours, batch_size=6, shuffle=True), 1)
    assert default_a == default_b


@pytest.mark.parametrize("n, lengths", [(10, [0.8, 0.2]), (11, [0.5, 0.3, 0.2]), (7, [0.34, 0.33, 0.33]),
                                        (9, [4, 5]), (5, [0.0, 1.0]), (3, [1, 0, 2])])
def test_random_split_sizes_match_pytorch_and_parts_are_disjoint(n, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an empty split warns (tested below)
        ours = data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
        theirs = real_data.random_split(range(n), lengths, generator=real.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    items = [x for subset in ours for x in subset]
    assert sorted(items) == list(range(n))
    assert all(isinstance(s, data.Subset) for s in ours)


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal.*\(10\)"):
        data.random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        data.random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="Length of split at index 0 is 0"):
        data.random_split(range(5), [0.0, 1.0])


def test_samplers_match_pytorch_where_no_random_numbers_are_involved():
    for n, size, drop in [(10, 3, False), (10, 3, True), (4, 4, False), (0, 2, False)]:
        ours = data.BatchSampler(data.SequentialSampler(range(n)), size, drop)
        theirs = real_data.BatchSampler(real_data.SequentialSampler(range(n)), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            data.BatchSampler(range(3), bad, False)
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            real_data.BatchSampler(range(3), bad, False)


def test_random_samplers_draw_valid_indices():
    g = torch.Generator().manual_seed(0)
    assert sorted(data.RandomSampler(range(9), generator=g)) == list(range(9))
    chained = list(data.RandomSampler(range(4), num_samples=10, generator=g))
    assert len(chained) == 10 and sorted(chained[:4]) == sorted(chained[4:8]) == [0, 1, 2, 3]
    drawn = list(data.RandomSampler(range(5), replacement=True, num_samples=70, generator=g))
    assert len(drawn) == 70 and set(drawn) <= set(range(5))
    assert sorted(data.SubsetRandomSampler([3, 8, 11], generator=g)) == [3, 8, 11]
    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=g))
    counts = np.bincount(weighted, minlength=3)
    assert counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    unique = list(data.WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=g))
    assert sorted(unique) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="without replacement"):
        data.WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        data.RandomSampler(range(3), num_samples=0)


def test_loader_with_sampler_and_batch_sampler_match_pytorch():
    ours, theirs = both_datasets(9)
    order = [4, 1, 7, 7, 0]
    assert [plain(b) for b in data.DataLoader(ours, batch_size=2, sampler=order)] == [
        plain(b) for b in real_data.DataLoader(theirs, batch_size=2, sampler=order)
    ]
    batches = [[0, 2], [8], [5, 5, 1]]
    loader = data.DataLoader(ours, batch_sampler=batches)
    assert len(loader) == 3
    assert [plain(b) for b in loader] == [plain(b) for b in real_data.DataLoader(theirs, batch_sampler=batches)]


def _stream(base):
    class Stream(base):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter({"x": float(i), "y": [i, -i]} for i in range(self.n))

        def __len__(self):
            return self.n

    return Stream


Stream, RealStream = _stream(data.IterableDataset), _stream(real_data.IterableDataset)


@pytest.mark.parametrize("batch_size, drop_last", [(3, False), (3, True), (None, False), (7, False)])
def test_iterable_dataset_batches_match_pytorch(batch_size, drop_last):
    ours = data.DataLoader(Stream(7), batch_size=batch_size, drop_last=drop_last)
    theirs = real_data.DataLoader(RealStream(7), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        data.DataLoader(Stream(3), shuffle=True)


def test_worker_and_memory_options_are_accepted_and_change_nothing():
    ours, _ = both_datasets(7)
    plainly = [plain(b) for b in data.DataLoader(ours, batch_size=3)]
    options = dict(num_workers=2, pin_memory=True, persistent_workers=True, prefetch_factor=2, timeout=5)
    assert [plain(b) for b in data.DataLoader(ours, batch_size=3, **options)] == plainly
    assert data.get_worker_info() is None


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
     (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
     (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
     (dict(num_workers=-1), "num_workers option should be non-negative"),
     (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
     (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing")],
)
def test_argument_errors_are_pytorchs(kwargs, message):
    ours, theirs = both_datasets(3)
    with pytest.raises(ValueError, match=message):
        data.DataLoader(ours, **kwargs)
    with pytest.raises(ValueError, match=message):
        real_data.DataLoader(theirs, **kwargs)


def test_concat_subset_and_tensor_dataset_indexing_match_pytorch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = data.ConcatDataset(parts), real_data.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    added = data.Subset(parts[0], [2, 0]) + data.Subset(parts[1], [1])
    assert [added[i] for i in range(3)] == [2, 0, 11]
    with pytest.raises(ValueError, match="size mismatch"):
        data.TensorDataset(torch.zeros(3, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        data.ConcatDataset([])


def test_a_plain_dataset_class_trains_through_the_loader():
    class Squares(data.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"x": np.array([i], np.float32), "y": i * i}

    batches = list(data.DataLoader(Squares(), batch_size=4))
    assert batches[0]["x"].shape == (4, 1) and batches[0]["x"].dtype == torch.float32
    assert batches[1]["y"].tolist() == [16, 25] and batches[1]["y"].dtype == torch.int64
