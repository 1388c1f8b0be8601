"""`strided train`: Ctrl-C stops at the end of a step, saves the model so far and exits 130;
`--resume` continues the run to the same weights as a run never interrupted."""

import signal
import subprocess
import sys

import numpy as np
from cli_helpers import run_cli

from strided.models import load_model

OPTIONS = ["--dataset", "fashion-mnist-sample", "--limit", "96", "--epochs", "2", "--batch-size", "16"]


def strided_train(*argv):
    return [sys.executable, "-m", "strided", "train", *map(str, argv)]


def weights(folder):
    return load_model(folder / "model.keras").get_weights()


def whole(tmp_path, *extra):
    """The weights of the run never interrupted."""
    done = subprocess.run(strided_train(*OPTIONS, *extra, "--verbose", "0", "--out", tmp_path / "whole"),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return weights(tmp_path / "whole")


def interrupt_in_second_epoch(tmp_path, how, *extra):
    run = subprocess.Popen(strided_train(*OPTIONS, "--verbose", "2", "--out", tmp_path / "cut", *extra),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in run.stdout:  # the first epoch's line (printed at its end): interrupt the second
        if line.startswith("Epoch 1/"):
            run.send_signal(how)
            break
    out, err = run.communicate(timeout=120)
    return run.returncode, err


def resume_and_compare(tmp_path, whole):
    resumed = subprocess.run(strided_train("--resume", "--out", tmp_path / "cut", "--verbose", "0"),
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming the run" in resumed.stdout
    assert not (tmp_path / "cut" / "backup").exists()  # a finished run keeps no backup
    for got, want in zip(weights(tmp_path / "cut"), whole):
        assert np.array_equal(got, want)


def test_a_killed_run_with_augmentation_resumes_to_the_same_weights(tmp_path):
    """--augment: the loader's shuffling and augmentation are drawn from (seed, epoch)."""
    expected = whole(tmp_path, "--augment")
    code, _ = interrupt_in_second_epoch(tmp_path, signal.SIGKILL, "--augment", "--backup-every", "3")
    assert code == -signal.SIGKILL
    assert (tmp_path / "cut" / "backup" / "backup.npz").exists()
    resume_and_compare(tmp_path, expected)


def test_ctrl_c_saves_the_model_and_resume_ends_as_an_uninterrupted_run(tmp_path):
    expected = whole(tmp_path)
    code, err = interrupt_in_second_epoch(tmp_path, signal.SIGINT)
    assert code == 130, err
    assert "Stopped by Ctrl-C after" in err and "strided train --resume --out" in err
    assert "Traceback" not in err
    assert (tmp_path / "cut" / "model.keras").exists()
    assert (tmp_path / "cut" / "backup" / "backup.npz").exists()
    resume_and_compare(tmp_path, expected)


def test_resume_needs_a_run_to_continue_and_sigint_is_handled_only_during_fit(capsys, tmp_path):
    code, _, err = run_cli(capsys, "train", "--resume")
    assert code == 2 and "--resume needs --out" in err
    code, _, err = run_cli(capsys, "train", "--resume", "--out", tmp_path)
    assert code == 1 and "nothing to resume" in err and "Traceback" not in err
    check = subprocess.run([sys.executable, "-c", "import signal, strided, strided.cli.train; "
                            "assert signal.getsignal(signal.SIGINT) is signal.default_int_handler"])
    assert check.returncode == 0  # importing installs no handler
    before = signal.getsignal(signal.SIGINT)
    quick = ["--dataset", "fashion-mnist-sample", "--limit", "64", "--epochs", "1", "--batch-size", "32",
             "--verbose", "0", "--out", tmp_path / "done"]
    assert run_cli(capsys, "train", *quick)[0] == 0
    assert signal.getsignal(signal.SIGINT) is before  # fit's handler is gone again
    assert not (tmp_path / "done" / "backup").exists()
    code, _, err = run_cli(capsys, "train", "--resume", "--out", tmp_path / "done")
    assert code == 1 and "the run finished" in err
