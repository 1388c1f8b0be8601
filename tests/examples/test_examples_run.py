"""Every example in examples/ runs to the end (quick mode, headless) and shows what its lesson
promises: each script runs as a subprocess with STRIDED_EXAMPLE_QUICK=1 and MPLBACKEND=Agg,
and a key printed number or written file is checked, so an example can never silently rot.

The scripts run two at a time (one BLAS thread each: the machine has two cores) in a pool
started by the first test that needs them; only the selected examples are run (`-k dice`).
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCRIPTS = {
    path.stem: path
    for path in sorted(EXAMPLES.glob("*.py"))
    if path.name != "render_notebooks.py" and not path.name.startswith("_")
}
NOT_OURS = {"transfer_learning"}  # written by the applications helper: checked generically
SLOW_FIRST = ("06_cnn_with_and_without_pooling", "transfer_learning", "09_cifar10_augmentation",
              "07_stop_at_98_percent", "08_feature_maps")
TIMEOUT = 300
WORKERS = 2


@dataclass
class Run:
    name: str
    returncode: int
    stdout: str
    stderr: str
    out: Path
    seconds: float

    def number(self, pattern):
        """The float captured by `pattern`'s first group in stdout (fails clearly if absent)."""
        match = re.search(pattern, self.stdout)
        assert match, f"{self.name}: no line matching {pattern!r} in:\n{self.stdout[-3000:]}"
        return float(match.group(1).replace(",", ""))

    def printed(self, text):
        assert text in self.stdout, f"{self.name}: expected {text!r} in:\n{self.stdout[-3000:]}"

    def image(self, name, min_size=100):
        """Open a PNG the example wrote and check it is a real picture of a sensible size."""
        from PIL import Image

        path = self.out / name
        written = sorted(p.name for p in self.out.iterdir())
        assert path.is_file(), f"{self.name}: {name} not written; files: {written}"
        with Image.open(path) as picture:
            picture.verify()
        with Image.open(path) as picture:
            assert picture.format == "PNG" and min(picture.size) >= min_size, (name, picture.size)


def run_example(script, out):
    out.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        STRIDED_EXAMPLE_QUICK="1",
        STRIDED_EXAMPLE_OUT=str(out),
        MPLBACKEND="Agg",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONWARNINGS="ignore",
    )
    start = time.perf_counter()
    try:
        process = subprocess.run(
            [sys.executable, str(script)], cwd=out, env=env, capture_output=True, text=True,
            timeout=TIMEOUT, check=False,
        )
        code, stdout, stderr = process.returncode, process.stdout, process.stderr
    except subprocess.TimeoutExpired as error:
        code, stdout, stderr = -1, error.stdout or "", f"timed out after {TIMEOUT}s"
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
    return Run(script.stem, code, stdout, stderr, out, time.perf_counter() - start)


@pytest.fixture(scope="module")
def example_runs(request, tmp_path_factory):
    """Start every selected example in a 2-process pool; name -> Future of its Run."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if hasattr(item, "callspec") and "name" in item.callspec.params
        and item.module is request.module
    } or set(SCRIPTS)
    rank = {name: index for index, name in enumerate(SLOW_FIRST)}
    order = sorted(selected, key=lambda name: (rank.get(name, len(rank)), name))
    base = tmp_path_factory.mktemp("examples")
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    futures = {name: pool.submit(run_example, SCRIPTS[name], base / name) for name in order}
    yield futures
    pool.shutdown(wait=True)


# ---- what each example must show --------------------------------------------------------


def check_conv1d(run):
    run.printed("ones kernel: maximum 5.0")
    run.printed("-2 at data indices [19 20], +2 at [39 40]")
    run.printed("strided.ops.conv with the flipped kernel == strided.signal.convolve")
    run.image("01_conv1d_kernels.png")
    run.image("01_conv1d_sliding.png")


def check_dice(run):
    p7 = run.number(r"P\(sum = 7\) = 6/36 = ([0-9.]+)")
    assert abs(p7 - 6 / 36) < 1e-4
    run.printed("[1 2 3]*[4 5] = [ 4 13 22 15]")
    run.printed("strided.ops.conv: [1. 2. 3. 4. 5. 6. 5. 4. 3. 2. 1.]")
    assert abs(run.number(r"total probability: ([0-9.]+)") - 1) < 1e-9
    run.image("02_dice.png")


def check_conv2d(run):
    run.printed("convolution\n [[0 1]\n [0 4]]")
    run.printed("correlate\n [[ 2  1]\n [-1  3]]")
    run.printed("stride 2, padding 1:\n [[1 2]\n [2 4]]")
    run.printed("strided.ops.conv:\n [[ 2  3  4  1]")
    run.image("03_kernel_detectors.png")


def check_blur(run):
    run.printed("image: (256, 256, 3) float32")
    assert run.number(r"max \|ops.conv - signal.convolve2d\| = (\S+)") < 1e-5
    run.printed("gradients: (256, 256, 2)")
    run.image("04_blur_and_edges.png", min_size=400)
    run.image("04_blur_sigmas.png")


def check_im2col(run):
    run.printed("patch matrix: (75, 784)")
    assert run.number(r"im2col \+ GEMM vs strided.ops.conv: max difference (\S+)") < 1e-5
    assert run.number(r"batched im2col vs strided.ops.conv: max difference (\S+)") < 1e-5
    backward = r"backward \(GEMM \+ col2im\) vs strided autograd: max difference (\S+)"
    assert run.number(backward) < 1e-5
    run.printed("Shape of out is: (8, 3, 14, 14)")
    run.printed("strided: (12, 8, 19, 19)")
    run.image("05_im2col.png")


def check_pooling(run):
    assert run.number(r"parameters with max pooling: ([0-9,]+)") == 104_202
    assert run.number(r"parameters without max pooling: ([0-9,]+)") == 712_202
    run.printed("Total params: 225,034")  # lesson 001's Sequential model
    accuracies = [float(a) for a in re.findall(r"Test accuracy:? +([0-9.]+)", run.stdout)]
    assert len(accuracies) == 3 and all(0 <= a <= 1 for a in accuracies), accuracies
    run.image("06_training_curves.png")


def check_callback(run):
    assert run.number(r"parameters: ([0-9,]+)") == 243_786
    run.printed("Reached 98%. Stopping the training")
    epochs = run.number(r"trained (\d+) of 30 epochs")
    assert epochs < 30
    assert run.number(r"final training accuracy ([0-9.]+)") >= 0.98
    run.image("07_stop_at_98.png")


def check_feature_maps(run):
    run.printed("{'conv2d': (3, 26, 26, 64), 'max_pooling2d': (3, 13, 13, 64), "
                "'conv2d_1': (3, 11, 11, 64), 'max_pooling2d_1': (3, 5, 5, 64)}")
    run.printed("feature maps: (1, 26, 26, 100)")
    for name in ("08_feature_maps_lesson.png", "08_feature_maps_filter2.png",
                 "08_feature_maps_filter30.png", "08_filters.png", "08_random_filters.png"):
        run.image(name)


def check_cifar(run):
    dataset = r"^dataset: (STAND-IN for CIFAR-10 \(quick mode\)|CIFAR-10 )"
    assert re.search(dataset, run.stdout, re.MULTILINE), run.stdout[:500]
    assert run.number(r"parameters: ([0-9,]+) =") == 552_874
    assert (run.out / "09_cifar_best.keras").is_file()
    run.printed("best checkpoint 09_cifar_best.keras")
    run.image("09_augmentation.png")
    run.image("09_history.png")


def check_receptive_fields(run):
    run.printed("R_2 = (7, 7)")
    run.printed("a unit of conv2d_2 sees 18x18 of the 28x28 pixels")
    run.printed("the gradient is non-zero exactly inside the computed receptive field")
    for name in ("10_receptive_field_sizes.png", "10_gradient_check.png",
                 "10_receptive_field_astronaut.png"):
        run.image(name)


def check_pytorch_lesson(run):
    run.printed("stride 2, padding 1: [[1, 2], [2, 4]]")
    run.printed("max pooling: [[5.0, 6.0], [4.0, 7.0]]")
    run.printed("parameters: 29034")
    assert 0 <= run.number(r"test accuracy: ([0-9.]+)") <= 1


def check_pytorch_ddp(run):
    run.printed("world size: 1")
    run.printed("parameters: 20490")
    run.printed("weights identical on every rank: True")
    assert 0 <= run.number(r"test accuracy: ([0-9.]+)") <= 1
    assert (run.out / "12_ddp_convnet.pt").is_file()


CHECKS = {
    "01_conv1d_kernels": check_conv1d,
    "02_dice_convolution": check_dice,
    "03_conv2d_vs_correlation": check_conv2d,
    "04_blur_and_edges": check_blur,
    "05_im2col_step_by_step": check_im2col,
    "06_cnn_with_and_without_pooling": check_pooling,
    "07_stop_at_98_percent": check_callback,
    "08_feature_maps": check_feature_maps,
    "09_cifar10_augmentation": check_cifar,
    "10_receptive_fields": check_receptive_fields,
    "11_pytorch_lesson_004": check_pytorch_lesson,
    "12_pytorch_ddp": check_pytorch_ddp,
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_example_runs(name, example_runs):
    run = example_runs[name].result()
    assert run.returncode == 0, (
        f"examples/{name}.py exited with {run.returncode} after {run.seconds:.0f}s\n"
        f"--- stdout (end) ---\n{run.stdout[-3000:]}\n--- stderr (end) ---\n{run.stderr[-3000:]}"
    )
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.stdout.strip(), f"{name} printed nothing"
    for png in run.out.glob("*.png"):  # whatever else it drew is a readable picture
        run.image(png.name, min_size=50)
    if name in CHECKS:
        CHECKS[name](run)


def test_every_lesson_example_has_specific_checks():
    assert set(CHECKS) <= set(SCRIPTS), sorted(set(CHECKS) - set(SCRIPTS))
    unchecked = set(SCRIPTS) - set(CHECKS) - NOT_OURS
    assert not unchecked, f"add a check for {sorted(unchecked)} to CHECKS"


def test_examples_are_in_percent_format_with_a_title():
    for name, path in SCRIPTS.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "# %% [markdown]", f"{name}: must start with a markdown cell"
        assert lines[1].startswith("# # "), f"{name}: the first cell must be a '# # Title'"
        assert sum(line.startswith("# %%") for line in lines) >= 3, name
