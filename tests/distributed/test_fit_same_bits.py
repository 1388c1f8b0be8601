"""Under `mpiexec -n 2`, seeded fits end with one process's weights bit for bit in float32 and
float64 (Conv2D, BatchNormalization, MaxPooling2D, Dropout, L2, Dense), with global_clipnorm
(the whole batch's gradient norm) and a last batch of one row, and with a weight that gets no
gradient (left alone); a checkpoint rank 0 saves in the middle of the epoch loads; predict()
gives one process's outputs (scripts/fit_same_bits.py)."""

import numpy as np
from test_fit_same_answer import pytestmark, run  # noqa: F401  (the same launcher and skip)


def results(out_dir, ranks):
    return [dict(np.load(out_dir / f"rank{r}.npz")) for r in range(ranks)]


def test_two_ranks_end_with_one_processs_bits(tmp_path):
    alone_dir, ranks_dir = tmp_path / "alone", tmp_path / "ranks"
    alone_dir.mkdir()
    ranks_dir.mkdir()
    done = run("fit_same_bits.py", None, alone_dir)
    assert done.returncode == 0, done.stderr[-3000:]
    done = run("fit_same_bits.py", 2, ranks_dir)
    assert done.returncode == 0, done.stderr[-3000:]
    (alone,) = results(alone_dir, 1)
    first, second = results(ranks_dir, 2)
    assert {name.split("_")[0] for name in alone} == {"float32", "float64", "clipnorm", "spare", "checkpointed",
                                                      "checkpoint", "predicted"}
    assert sorted(first) == sorted(alone)
    for name, want in alone.items():
        assert first[name].dtype == want.dtype, name
        assert np.array_equal(first[name], want), (name, float(np.abs(first[name] - want).max()))
        if not name.startswith("checkpoint_"):  # (rank 0 alone loads the checkpoint)
            assert np.array_equal(second[name], want), name
    assert alone["float64_0"].dtype == np.float64 and alone["float32_0"].dtype == np.float32
    np.testing.assert_array_equal(first["spare_0"], np.ones(3, np.float32))  # no gradient: not decayed
    for i in range(4):  # the last save was after the last step: the end state
        assert np.array_equal(first[f"checkpoint_{i}"], first[f"checkpointed_{i}"])
    assert (ranks_dir / "ckpt.keras").exists() and not list(ranks_dir.glob("*.tmp"))
    assert len(alone["predicted_0"]) == 101
