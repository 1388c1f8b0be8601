"""strided.torch.distributed and DistributedDataParallel under `mpiexec -n 2` (and 3): the
collectives do what PyTorch documents, and DDP on shards trains to the same float64 weights as
one process on the whole global batch.

The scripts in tests/torch/scripts/ddp_*.py run as MPI jobs (each rank writes what it observed
to a JSON file); the assertions are here. Each job runs once per module (a fixture), with a timeout.
"""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch as real
import torch.distributed as real_dist

import strided.torch as st
import strided.torch.distributed as dist
from strided.torch import nn
from strided.torch.nn.parallel import DistributedDataParallel

SCRIPTS = Path(__file__).resolve().parent / "scripts"
ROOT = SCRIPTS.parents[2]
JOB_TIMEOUT = 120


def run_ranks(script, ranks, folder):
    """Run `mpiexec -n ranks python script`; what every rank reported (a dict), by rank."""
    mpiexec = shutil.which("mpiexec")
    assert mpiexec, "mpiexec not found: pip install mpich (or the system's MPI) with mpi4py"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", STRIDED_DISTRIBUTED_TIMEOUT="20",
               DDP_RESULT_DIR=str(folder))
    process = subprocess.run([mpiexec, "-n", str(ranks), sys.executable, str(SCRIPTS / script)], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=JOB_TIMEOUT, check=False)
    reports = sorted(folder.glob("rank*.json"))
    assert process.returncode == 0 and len(reports) == ranks, (
        f"mpiexec -n {ranks} {script} exited with {process.returncode} ({len(reports)} reports)\n"
        f"--- stdout ---\n{process.stdout[-3000:]}\n--- stderr ---\n{process.stderr[-3000:]}")
    results = [json.loads(path.read_text()) for path in reports]
    return {result["rank"]: result for result in results}


@pytest.fixture(scope="module")
def collectives(tmp_path_factory):
    return run_ranks("ddp_collectives.py", 2, tmp_path_factory.mktemp("collectives"))


@pytest.fixture(scope="module", params=[2, 3], ids=["2 ranks", "3 ranks"])
def training(request, tmp_path_factory):
    return run_ranks("ddp_train.py", request.param, tmp_path_factory.mktemp("training"))


# ---- the collectives, on 2 ranks: the values PyTorch's documentation gives ------------------

def test_process_group_facts(collectives):
    for rank, seen in collectives.items():
        assert (seen["rank"], seen["size"], seen["backend"]) == (rank, 2, "mpi")
        assert seen["available"] and not seen["initialized_before"] and seen["initialized"]
        assert seen["init_twice"] == "trying to initialize the default process group twice!"
        assert "MPI started 2 process(es)" in seen["wrong_world_size"]
        assert "mpiexec -n 99" in seen["wrong_world_size"]
        assert seen["timeout"] == 25.0  # init_process_group(timeout=timedelta(seconds=25))
        assert seen["initialized_after_destroy"] is False
        assert seen["rank_after_destroy"].startswith("Default process group has not been initialized")
    # backend="gloo" runs on MPI and says so, once (on rank 0)
    assert "runs on MPI" in collectives[0]["gloo_warnings"][0] and collectives[1]["gloo_warnings"] == []


def test_all_reduce_is_in_place_with_each_op(collectives):
    for seen in collectives.values():
        assert seen["all_reduce_returns"] == "None" and seen["all_reduce_in_place"]
        assert seen["all_reduce_sum"] == [3.0, 6.0]           # [1, 2] + [2, 4]
        assert seen["all_reduce_avg"] == [1.5]                # (1 + 2) / 2
        assert seen["all_reduce_max"] == [3, 7]               # ranks hold [2, 7] and [3, 6]
        assert seen["all_reduce_min"] == [2, 6]
        assert seen["all_reduce_product"] == [6, 42]
        assert seen["all_reduce_band"] == [2 & 3, 7 & 6]
        assert seen["int_dtype_kept"] and seen["async_wait"] is True
        assert seen["all_reduce_bool_sum"] == [True, False]
        assert seen["all_gather_scalars"] == [0.0, 1.0]


def test_broadcast_and_gathers(collectives):
    for rank, seen in collectives.items():
        assert seen["broadcast"] == [[1.0, 1.0], [1.0, 1.0]]  # src=1's tensor everywhere
        assert seen["all_gather"] == [[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]]
        assert seen["all_gather_into_tensor"] == [0.0, 0.0, 1.0, -1.0]
        assert seen["all_gather_object"] == [{"rank": 0, "name": "worker0"}, {"rank": 1, "name": "worker1"}]
        assert seen["broadcast_object_list"] == ["from 0", 0]
        assert seen["scatter"] == [float(rank), -float(rank)]
        assert seen["barrier"] == "None"
    assert collectives[0]["reduce"] == [3.0] and collectives[1]["reduce"] == [2.0]  # only dst changes
    assert collectives[0]["gather"] == [[0.0], [1.0]]


def test_collective_misuse_is_explained(collectives):
    seen = collectives[0]
    assert seen["all_gather_wrong_list"] == "all_gather: tensor_list should hold one tensor per rank (2), got 3"
    assert "should be a strided.torch.Tensor, got list" in seen["all_reduce_list"]
    assert "ReduceOp.AVG needs a floating-point tensor" in seen["avg_of_ints"]


# ---- DistributedDataParallel -------------------------------------------------------------

def test_ddp_starts_every_rank_from_rank_0s_weights_and_buffers(training):
    for rank, seen in training.items():
        assert seen["weights_equal_rank0_after_construction"]
        assert seen["weights_changed_on_this_rank"] == (rank != 0)
        assert seen["buffer_after_construction"] == [7.0]    # rank 0's value (rank r set r + 7)
        assert seen["buffer_before_forward_copied"] == [3.0]  # buffers follow rank 0 before a forward
        assert seen["module_is_wrapped_model"]
        assert seen["state_dict_keys"] == ["module.fc.bias", "module.fc.weight", "module.features.0.bias"]


def test_after_backward_grad_is_the_average_of_the_ranks_local_gradients(training):
    for seen in training.values():
        assert seen["grad_vs_average_of_local"] <= 1e-15
        assert seen["grads_identical_on_ranks"]
        assert seen["no_sync_grads_differ_between_ranks"]      # no_sync: nothing exchanged
        assert seen["no_sync_then_sync_vs_average"] <= 1e-15   # then the accumulated sums are averaged


def test_a_parameter_used_on_some_ranks_only_gets_the_average_with_zeros(training):
    size = training[0]["size"]
    for seen in training.values():
        assert seen["unused_parameter_grad"] == [[2.0 / size] * 3]  # rank 0's [2, 2, 2], zeros elsewhere
        assert seen["used_parameter_grad"] == [[2.0] * 3]


def test_ddp_on_shards_trains_like_one_process_on_the_whole_batch(training):
    size = training[0]["size"]
    for seen in training.values():
        assert seen["steps"] == 2 * math.ceil(math.ceil(32 / size) / 4)  # 2 epochs of 32 images, 4 per rank
        assert seen["train_vs_whole_batch"] <= 1e-12
        assert seen["final_weights_identical_on_ranks"]
        assert seen["moved_from_start"] > 1e-3


def test_sync_batchnorm_normalises_with_the_global_batch(training):
    for seen in training.values():
        assert seen["batchnorm_layers"] == ["SyncBatchNorm", "SyncBatchNorm"]
        assert seen["sync_batchnorm_vs_whole_batch"] <= 1e-12            # weights after 3 steps
        assert seen["sync_batchnorm_running_stats_vs_whole_batch"] <= 1e-12
        assert seen["sync_batchnorm_eval_outputs"] <= 1e-12


def test_a_rank_with_a_different_model_fails_on_every_rank(collectives):
    assert ("the model on rank 1 differs from rank 0's: parameter 'weight' has shape (5, 4) and dtype float32 "
            "here, shape (3, 4)") in collectives[1]["ddp_model_mismatch"]
    assert "the model on rank(s) [1] differs from rank 0's" in collectives[0]["ddp_model_mismatch"]


def test_an_exception_on_one_rank_ends_the_job_on_every_rank_with_it():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", STRIDED_DISTRIBUTED_TIMEOUT="20")
    process = subprocess.run([shutil.which("mpiexec"), "-n", "2", sys.executable, str(SCRIPTS / "ddp_crash.py")],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=JOB_TIMEOUT, check=False)
    assert process.returncode != 0 and "finished" not in process.stdout
    # rank 1 prints its exception; rank 0, waiting in the gradients' allreduce, raises the same one
    # (not a timeout), with a note naming rank 1
    assert process.stderr.count("RuntimeError: a bug on rank 1") >= 2, process.stderr[-3000:]
    assert "raised on rank 1" in process.stderr and "DistributedTimeoutError" not in process.stderr


def test_the_ddp_example_runs_on_two_ranks(tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", STRIDED_EXAMPLE_QUICK="1", STRIDED_EXAMPLE_OUT=str(tmp_path),
               STRIDED_DISTRIBUTED_TIMEOUT="20", PYTHONWARNINGS="ignore")
    process = subprocess.run([shutil.which("mpiexec"), "-n", "2", sys.executable,
                              str(ROOT / "examples" / "12_pytorch_ddp.py")], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=JOB_TIMEOUT, check=False)
    assert process.returncode == 0, process.stdout[-2000:] + process.stderr[-3000:]
    assert process.stdout.count("world size: 2") == 1  # printed once, by rank 0
    assert "per rank, global batch 128" in process.stdout
    assert "weights identical on every rank: True" in process.stdout
    assert (tmp_path / "12_ddp_convnet.pt").is_file()


# ---- without a process group (in this process) ------------------------------------------

def test_before_init_the_errors_are_pytorchs():
    assert not dist.is_initialized() and dist.is_available()
    for ours, theirs in ((dist.get_rank, real_dist.get_rank), (dist.get_world_size, real_dist.get_world_size),
                         (dist.barrier, real_dist.barrier)):
        with pytest.raises(ValueError) as ours_error:
            ours()
        with pytest.raises(ValueError) as theirs_error:
            theirs()
        assert str(ours_error.value) == str(theirs_error.value)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(st.zeros(2))


def test_gpu_and_unknown_backends_are_refused_before_anything_starts():
    with pytest.raises(ValueError, match="nccl needs GPUs and strided runs on the CPU"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="invalid backend"):
        dist.init_process_group("carrier-pigeon")
    assert not dist.is_initialized()


def test_convert_sync_batchnorm_keeps_pytorchs_structure_and_acts_as_batchnorm_alone():
    def build(torch):
        return torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                                   torch.nn.Flatten(), torch.nn.Linear(12, 4), torch.nn.BatchNorm1d(4))

    reference, to_convert = build(real), build(real)
    to_convert.load_state_dict(reference.state_dict())
    ours = build(st)
    ours.load_state_dict({k: st.from_numpy(v.numpy().copy()) for k, v in reference.state_dict().items()})
    weight, running_mean = ours[1].weight, ours[1].running_mean
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    real_converted = real.nn.SyncBatchNorm.convert_sync_batchnorm(to_convert)
    assert list(converted.state_dict()) == list(real_converted.state_dict())
    assert [type(m).__name__ for m in converted] == [type(m).__name__ for m in real_converted]
    assert converted[1].weight is weight and converted[1].running_mean is running_mean  # shared, as PyTorch
    x = real.randn(5, 2, 4, 4)
    expected = reference(x)                          # (PyTorch's SyncBatchNorm needs a process group)
    result = converted(st.from_numpy(x.numpy()))     # without one it is plain batch norm
    assert abs(result.detach().numpy() - expected.detach().numpy()).max() < 1e-5
    assert abs(converted[1].running_var.numpy() - reference[1].running_var.numpy()).max() < 1e-6


def test_data_parallel_runs_the_module_with_pytorchs_state_dict_keys():
    inner = nn.Linear(3, 2)
    wrapped = nn.DataParallel(inner)
    x = st.randn(4, 3)
    assert (wrapped(x).detach().numpy() == inner(x).detach().numpy()).all()
    assert list(wrapped.state_dict()) == list(real.nn.DataParallel(real.nn.Linear(3, 2)).state_dict())
    assert wrapped.module is inner
    with pytest.raises(ValueError, match="strided runs on the CPU"):
        nn.DataParallel(inner, device_ids=[0, 1])


def test_reduce_ops_have_pytorchs_names_and_values():
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"):
        assert int(getattr(dist.ReduceOp, name)) == int(getattr(real_dist.ReduceOp, name))
    assert dist.Backend("MPI") == "mpi" == real_dist.Backend("MPI")


def test_the_names_import_as_in_pytorch():
    assert st.distributed is dist
    assert st.nn.parallel.DistributedDataParallel is DistributedDataParallel
    assert st.utils.data.DistributedSampler is st.utils.data.distributed.DistributedSampler
    assert real.nn.parallel.DistributedDataParallel.__name__ == DistributedDataParallel.__name__
