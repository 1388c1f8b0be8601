"""The fast kernels: the reference kernels' math (`kernels.reference`), made fast.

Each file opens with the reference it accelerates and the idea of its trick. The thresholds
that choose between two methods live in one place, `tuning.py`; the measurements behind them
are in docs/speed.md, with the script that reproduces them (benchmarks/bench_kernel_choices.py).

    im2col.py          im2col into reused buffers, row or transposed layout     (reference.im2col)
    conv_methods.py    which way a conv2d runs: im2col or Winograd, by a cost model
    conv.py            conv2d a chunk of images at a time on the kernel threads (reference.conv)
    winograd.py        3x3 stride-1 conv2d by Winograd F(2x2, 3x3): 16 products a tile, not 36 (reference.conv)
    grouped_conv.py    grouped conv2d, one GEMM per group batched over the groups (reference.conv)
    input_gradient.py  the convolution's dX by kernel offsets or by correlation (reference.conv)
    live_taps.py       kernel taps that read only padding, cropped off          (reference.conv)
    conv_pool.py       conv + ReLU + max pooling fused, chunk by chunk         (conv, activations, pooling)
    pointwise_conv.py  1x1 convolutions as one GEMM, no im2col                  (reference.conv)
    pointwise_planes.py  1x1 on channels-first images, one GEMM per image        (reference.conv)
    depthwise.py       depthwise convolution as a direct windowed kernel        (reference.depthwise)
    depthwise_phases.py  a block's input rows split by the width stride's phases  (reference.depthwise)
    depthwise_planes.py  depthwise on channels-first planes, no transposes      (reference.depthwise)
    depthwise_gradient.py  strided depthwise dX, one stride phase at a time     (reference.depthwise)
    depthwise_pairs.py  width-strided depthwise on groups of s pixels, no split  (reference.depthwise)
    depthwise_cost.py  which of the two layouts, by an estimate of its cost
    conv_transpose.py  transposed convolution, a chunk of images at a time      (reference.conv_transpose)
    conv3d.py          3-D convolution by one GEMM per kernel offset, no im2col (reference.conv3d)
    pool.py            max / sum pooling by window offsets; adaptive pooling    (reference.pooling)
    batch_norm.py      batch norm in three passes over memory                   (reference.batch_norm)
    batch_norm_pool.py batch norm -> ReLU -> max pooling, chunk by chunk in cache (batch_norm, pooling)
    layer_norm.py      layer norm by GEMVs, row dot products and plain passes   (reference.normalization)
    group_norm.py      group norm of channels-last samples, sums as GEMVs      (reference.normalization)
    group_norm_planes.py  group norm of channels-first planes, row sums         (reference.normalization)
    broadcasts.py      a value per row or per (sample, channel) at plain-pass speed
    global_pooling.py  global average / max pooling along contiguous memory    (reference.global_pooling)
    dense.py           Dense with the bias and ReLU in place                    (reference.dense)
    linear.py          PyTorch's Linear (x @ W^T) leaf by leaf on the kernel threads (reference.dense)
    activations.py     ReLU on the threads, softmax in place                    (reference.activations)
    gelu.py            GELU (exact by A&S 7.1.26, and tanh) as in-place passes  (reference.activations)
    activation_math.py SiLU, softplus, ELU, ... as in-place passes              (reference.activations)
    blockwise.py       elementwise formulas block by block in the cache, on the threads
    losses.py          softmax cross-entropy without a one-hot matrix           (reference.losses)
    elementwise.py     ReLU, per-channel arithmetic and column sums in NumPy's fastest forms
    tuning.py          the tuned constants that choose between methods
"""
