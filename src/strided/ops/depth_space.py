"""`depth_to_space` and `space_to_depth` (Keras 3's ops; TensorFlow's "DCR" order): move
block_size x block_size pixels between the channel axis and the two spatial axes, by one
reshape, one transpose and one reshape (differentiable through those ops).

    depth_to_space: (N, H, W, C) -> (N, H b, W b, C / b^2)
        out[n, h b + i, w b + j, c] = x[n, h, w, (i b + j) C/b^2 + c]
    space_to_depth: its inverse, (N, H, W, C) -> (N, H / b, W / b, C b^2)

channels_first gives the same channel order on (N, C, H, W) (TensorFlow's NCHW, which Keras
uses on TensorFlow; Keras' NumPy backend orders the channels of NCHW differently).
"""

from strided.ops._base import as_tensor
from strided.ops.shape import reshape, transpose


def _check(name, x, block_size, data_format):
    if x.ndim != 4:
        raise ValueError(f"{name}: expected a 4-D input (batch, height, width, channels), received shape {x.shape}.")
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"{name}: `block_size` must be an integer >= 2. Received: block_size={block_size!r}")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{name}: data_format must be "channels_last" or "channels_first". '
                         f"Received: data_format={data_format!r}")


def depth_to_space(x, block_size, data_format="channels_last"):
    """Rearrange channels into block_size x block_size spatial blocks (pixel shuffle).

    Example:
        >>> ops.depth_to_space(np.zeros((1, 2, 2, 8)), 2).shape
        (1, 4, 4, 2)
    """
    x = as_tensor(x)
    _check("depth_to_space", x, block_size, data_format)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if c % (b * b):
            raise ValueError(f"depth_to_space: the channels ({c}) must be divisible by block_size^2 ({b * b}).")
        x = transpose(reshape(x, (n, h, w, b, b, c // (b * b))), (0, 1, 3, 2, 4, 5))
        return reshape(x, (n, h * b, w * b, c // (b * b)))
    return transpose(depth_to_space(transpose(x, (0, 2, 3, 1)), b), (0, 3, 1, 2))


def space_to_depth(x, block_size, data_format="channels_last"):
    """Rearrange block_size x block_size spatial blocks into channels (the inverse of
    `depth_to_space`).

    Example:
        >>> ops.space_to_depth(np.zeros((1, 4, 4, 2)), 2).shape
        (1, 2, 2, 8)
    """
    x = as_tensor(x)
    _check("space_to_depth", x, block_size, data_format)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if h % b or w % b:
            raise ValueError(f"space_to_depth: height and width ({h}, {w}) must be divisible by block_size ({b}).")
        x = transpose(reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
        return reshape(x, (n, h // b, w // b, c * b * b))
    return transpose(space_to_depth(transpose(x, (0, 2, 3, 1)), b), (0, 3, 1, 2))


__all__ = ["depth_to_space", "space_to_depth"]
