"""Plain NumPy kernels: ndarray in, ndarray out; no Tensors and no argument checking."""
