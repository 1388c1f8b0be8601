"""`torch.backends`: `mps` and `cuda` report unavailable; `cudnn` flags are accepted and ignored."""

from types import SimpleNamespace

mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
cuda = SimpleNamespace(is_built=lambda: False, matmul=SimpleNamespace(allow_tf32=False))
cudnn = SimpleNamespace(is_available=lambda: False, enabled=False, deterministic=False, benchmark=False,
                        allow_tf32=False)
mkldnn = SimpleNamespace(is_available=lambda: False, enabled=False)
