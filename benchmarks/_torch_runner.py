"""Measurements in PyTorch CPU, with the idiomatic training loop a PyTorch user writes.

The loop shuffles with `randperm` every epoch, slices batches from tensors already in memory
(channels-first, converted once outside the timing), uses `F.cross_entropy` on logits and
`torch.optim.Adam` (Keras' epsilon 1e-7), and accumulates loss and accuracy as Keras' fit does.
Inference runs under `torch.inference_mode()` in eval mode and applies the softmax that the
strided/Keras models contain.
"""

import _data
import _torch_models
import numpy as np
import torch
import torch.nn.functional as F
from _measure import best_time, median_time
from _torch_api_worker import train_epoch as torch_api_train_epoch


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def train_epoch(model, optimizer, x, y, batch):
    """One shuffled epoch of (x, y) tensors; returns (mean loss, accuracy). The loop is
    `_torch_api_worker.train_epoch`'s, which strided.torch runs too."""
    return torch_api_train_epoch(torch, F, model, optimizer, x, y, batch)


class TorchRunner:
    """Runs the benchmark tasks with PyTorch."""

    framework = "torch"

    def __init__(self, threads):
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(threads)
        self._limits = threadpool_limits(limits=threads)
        self.version = f"torch {torch.__version__}"

    def _trained_model(self, task, images):
        x, y = _data.train_data(task["model"], images)
        x, y = _nchw(x), torch.from_numpy(y)
        model = _torch_models.build(task["model"])
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        warm = 2 * task["batch"] + images % task["batch"]
        train_epoch(model, optimizer, x[:warm], y[:warm], task["batch"])
        return lambda: train_epoch(model, optimizer, x, y, task["batch"])

    def train_epoch(self, task):
        run = self._trained_model(task, task["images"])
        return {"seconds": best_time(run, task["repeats"])}

    def train_steps(self, task):
        run = self._trained_model(task, task["steps"] * task["batch"])
        return {"seconds": best_time(run, task["repeats"]) / task["steps"]}

    def predict(self, task):
        model = _torch_models.build(task["model"]).eval()
        x, _ = _data.test_data(task["model"], task["images"])
        x, batch = _nchw(x), task["batch"]

        def run():
            with torch.inference_mode():
                parts = [torch.softmax(model(x[i:i + batch]), 1) for i in range(0, len(x), batch)]
                return torch.cat(parts).numpy()

        run()
        return {"seconds": best_time(run, task["repeats"])}

    def latency(self, task):
        model = _torch_models.build(task["model"]).eval()
        x, _ = _data.test_data(task["model"], 1)
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))

        def run():
            with torch.inference_mode():
                return torch.softmax(model(torch.from_numpy(x)), 1).numpy()

        return {"seconds": median_time(run, task["calls"]),
                "note": "model(x) under inference_mode()"}
