"""Plain NumPy kernels: ndarray in, ndarray out; no Tensors and no argument checking.

    reference/       the lessons' textbook forms, forward and backward side by side: read these first
    fast/            the same math, made fast (each file names the reference it accelerates)
    fast_set.py      the ops' kernel interface on the fast kernels (the default)
    reference_set.py the same interface on the reference kernels
    dispatch.py      which of the two the ops run: `strided.set_kernels("reference" | "fast")`
    parallel.py      chunks of a batch on several threads (used by the fast kernels)
    collective.py    values gathered from every process of data-parallel training
    special.py       erf, which NumPy lacks (one form, used by both sets)
"""
