"""The tuned constants that choose between two ways of computing the same thing, in one place.

Each choice is between methods that give the same numbers (to float rounding); the constants
only move the boundary where one becomes faster than the other. They were measured on small
x86 machines with OpenBLAS (docs/speed.md, "Why the fast kernels choose as they do", and
benchmarks/bench_kernel_choices.py to measure them again). Chunk sizes, the other tuned
numbers, belong to `kernels.parallel`.
"""

# -- Convolution: keep the im2col matrix for the backward pass, or make it again there.
# Below this many input channels (an image's 1 or 3) the matrix is small and slow to make
# (a copy whose inner runs are only kw*C floats long), so training keeps it, in the transposed
# layout (`im2col.fill_im2col_transposed`), instead of building it again in backward.
FEW_CHANNELS = 8

# -- Convolution dX: by kernel offsets (`input_gradient.add_input_gradient`), or as a
# correlation of the padded dY with the flipped kernel (`input_gradient_by_correlation`).
# The correlation's GEMM has one row per *input* pixel, the offsets' GEMMs one per *output*
# pixel: it wins when the two counts are about equal ('same' padding), the input has enough
# channels for a wide GEMM, and the maps are not tiny (its padded dY costs more there).
CORRELATION_CHANNELS = 8  # input channels, at least
CORRELATION_PIXELS = 64  # output pixels (H' * W'), at least: 8x8
CORRELATION_AREA = 1.1  # input pixels at most this many times the output's

# -- PyTorch's Linear (`linear`): the work is done in blocks of features touching about
# LINEAR_BLOCK_FLOATS floats of W (and dW), kept in the caches while every batch leaf uses
# them; products of at least LINEAR_THREADED_PRODUCTS multiply-adds share the blocks among the
# kernel threads, smaller ones stay on the calling thread (set from the cost of a hand-off
# between threads, `kernels.parallel._Helper`, against a GEMM's rate).
LINEAR_BLOCK_FLOATS = 1 << 17
LINEAR_THREADED_PRODUCTS = 1 << 22

# -- im2col copy (`im2col.copy_patches`): up to this many channels, one (N, H', W', C) slab per
# kernel offset; above, one copy of the whole patches view (inner runs of kw*C floats).
SLAB_COPY_CHANNELS = 1

# -- Elementwise passes (`elementwise`): arrays are viewed as rows of about WIDE floats, so
# that a per-channel vector repeated to that length runs NumPy's inner loop at full speed;
# arrays smaller than SMALL floats use the plain broadcast (as fast there, no set-up).
WIDE = 1 << 14
SMALL = WIDE

# -- Elementwise formulas (`blockwise.apply_blocks`, the fast GELU, SiLU, softplus, ...): run
# over blocks of this many floats, so that each pass's scratch stays in the L2 cache while the
# Python cost of a NumPy call (about a microsecond) stays small beside the block's work.
ELEMENTWISE_BLOCK = 1 << 15

# -- Depthwise convolution (`depthwise.windowed_sum`, `depthwise_pairs`, `depthwise_planes`):
# output rows (or channels-first planes) are done in blocks of about this many floats: large
# enough that a block's fixed cost (its copies' zero borders, one einsum set-up per group of
# taps, the fold) stays small beside its kh*kw passes, which read the rows just copied.
DEPTHWISE_BLOCK = 1 << 17
# dK (`depthwise.windowed_products_sum`): blocks of this many floats of dY (each block's
# per-tap sums, kh*kw rows of W'*C floats, are added once per block).
DEPTHWISE_GRADIENT_BLOCK = 1 << 17

# -- Threads: passes over fewer floats than these stay on the calling thread (a hand-off
# between threads costs more than the pass).
POOL_THREADED_FLOATS = 1 << 16  # max pooling: floats per image times images, per thread
BATCH_NORM_THREADED_FLOATS = 1 << 15  # batch norm: rows times channels, per thread
