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
# The forward product runs as W_block @ x_leaf^T (W's rows read as they lie), in blocks of this
# many output features: BLAS packs x's leaf again for every block, so a block of many rows
# keeps that copy small beside the block's work, while a huge W is still read in parts.
LINEAR_FORWARD_BLOCK_ROWS = 256

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
# Batch norm -> ReLU -> max pooling (`batch_norm_pool`): images per chunk such that a chunk's
# normalised map (and, backward, its gradient) holds about this many floats: it stays in the
# caches while it is pooled (or its sums are taken), so that only the pooled map goes to
# memory, and each NumPy call on it is long enough that two threads seldom wait for each
# other's turn with Python's GIL (smaller chunks were slower on one thread and on two).
BATCH_NORM_POOL_CHUNK_FLOATS = 1 << 19

# -- Winograd F(2x2, 3x3) or im2col for a 3x3 stride-1 convolution (`conv_methods`). Both are
# costed in GEMM multiply-adds: Winograd does 16 per tile and channel pair where im2col does
# 36 (9 per output pixel), and pays in passes over memory (its transforms) that im2col does
# not. A float written by a NumPy pass costs WINOGRAD_FLOAT_COST multiply-adds; each output of
# a GEMM costs GEMM_OUTPUT_COST besides its depth (a shallow GEMM runs below the BLAS's peak).
# Floats written per 2x2 tile and input channel by the input transform (padded copy, the
# half-transformed rows, V), per tile and output channel by the output transform, and per
# (input, output) channel pair by the kernel's transform (U written, then read by every leaf).
# (Fitted to measured times of both methods: docs/speed.md, "Winograd F(2x2, 3x3)".)
WINOGRAD_FLOAT_COST = 20
GEMM_OUTPUT_COST = 16
# NumPy's inner loop restarts at every contiguous run of a pass (C floats for the transforms'
# channel rows, kw*C for the im2col copy): each run costs as much as this many more floats.
NUMPY_RUN_FLOATS = 16
WINOGRAD_INPUT_FLOATS = 28
WINOGRAD_OUTPUT_FLOATS = 24
WINOGRAD_KERNEL_FLOATS = 64
# im2col, per output pixel and input channel: the 3x3 patch copy (9 floats) and the padded copy.
IM2COL_FLOATS = 10
# dK by Winograd: a leaf of images makes one (16, C, O) dU and its dK; leaves hold enough
# images that their transforms write at least this many times as many floats.
WINOGRAD_GRADIENT_LEAF_RATIO = 4
# The kernel's transform (a 16 x 9 product over C*O columns) in blocks of this many columns,
# shared by the kernel threads.
WINOGRAD_KERNEL_BLOCK = 1 << 13

# -- Layer and group normalization, global pooling (`layer_norm`, `group_norm`,
# `group_norm_planes`, `global_pooling`, with `broadcasts`). Work is split over the threads in
# chunks of whole samples of about NORM_CHUNK_FLOATS floats (at least one sample); inside a
# chunk, layer norm goes through blocks of about NORM_BLOCK_FLOATS floats pass after pass, so
# that a block and its scratch stay in a core's L2 cache. Group norm and global pooling of
# arrays under NORM_THREADED_FLOATS floats stay on the calling thread: their short NumPy calls
# on two threads wait for each other's turn with Python's GIL, and measured slower than one
# thread up to a few million floats (docs/speed.md).
NORM_CHUNK_FLOATS = 1 << 17
NORM_BLOCK_FLOATS = 1 << 17
NORM_THREADED_FLOATS = 1 << 22
# Global pooling (one pass over memory, no reuse in the cache): chunks of about this many floats,
# large enough that the hand-offs between threads stay small beside the pass.
GLOBAL_POOL_CHUNK_FLOATS = 1 << 18
# A value per row (`broadcasts.per_row`): NumPy runs x * v[:, None] as one inner loop per row;
# rows shorter than ROW_BROADCAST_FLOATS are done instead as a plain pass against the matrix
# v (x) 1, which a GEMM writes at memory speed.
ROW_BROADCAST_FLOATS = 1024
# A value per (sample, channel) on channels-last samples (`broadcasts.per_sample_channel`):
# each sample is viewed as rows of r * C floats, r dividing its positions, with r * C at most
# about CHANNEL_TILE_FLOATS, against the sample's vector repeated r times.
CHANNEL_TILE_FLOATS = 1 << 14
# Global max pooling of channels-last samples (`global_pooling`), costed in floats read: NumPy's
# max over the positions restarts its inner loop at every position (each restart costs as much
# as GLOBAL_MAX_RUN_FLOATS more floats); the maxima of halves read 1.5 times the data in long
# runs, but each of its log2(S) rounds costs GLOBAL_MAX_ROUND_FLOATS (calls, short last rounds).
GLOBAL_MAX_RUN_FLOATS = 128
GLOBAL_MAX_ROUND_FLOATS = 1 << 14
