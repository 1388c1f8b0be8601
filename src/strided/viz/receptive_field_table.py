"""The table `receptive_field` returns: one row per layer, printable, with field lookups."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FieldRow:
    """Receptive-field arithmetic after one layer; every tuple holds one value per spatial axis.

    Attributes:
        name, layer_type: the layer's name and class ("spec" for a tuple/dict spec).
        kernel, strides, dilation: the layer's own geometry (1s for a pass-through layer).
        padding: zeros added before the input on each axis (negative for cropping).
        size: receptive field R_L in input pixels.
        jump: J_L, the product of all strides so far: neighbouring output units are this many
            input pixels apart.
        first: input coordinate of the top/left edge of output unit 0's field (negative when
            the field reaches into the padding).
        output_size: spatial size of the layer's output, when the input size is known.
    """

    name: str
    layer_type: str
    kernel: tuple
    strides: tuple
    dilation: tuple
    padding: tuple
    size: tuple
    jump: tuple
    first: tuple
    output_size: tuple = None

    @property
    def start(self):
        """Centre of output unit 0's field in input pixels (first + (size - 1) / 2)."""
        return tuple(_number(f + (r - 1) / 2) for f, r in zip(self.first, self.size))

    def field(self, position):
        """Input bounds ((lo, hi) per axis, inclusive) of the unit at `position` by the formula
        alone: first + position * jump ... + size - 1, not clipped (may reach into padding).
        `ReceptiveFieldTable.field` gives the exact box inside the image."""
        position = self._check(position)
        return tuple((f + p * j, f + p * j + r - 1)
                     for f, p, j, r in zip(self.first, position, self.jump, self.size))

    def _check(self, position):
        position = (position,) * len(self.size) if isinstance(position, int) else tuple(position)
        if len(position) != len(self.size):
            raise ValueError(
                f"receptive field: position {position} needs {len(self.size)} coordinate(s), "
                f"one per spatial axis of layer '{self.name}'."
            )
        if self.output_size is not None:
            for p, n in zip(position, self.output_size):
                if not 0 <= p < n:
                    raise ValueError(
                        f"receptive field: position {position} is outside the output of layer "
                        f"'{self.name}' (spatial size {self.output_size})."
                    )
        return position


class ReceptiveFieldTable(list):
    """A list of `FieldRow` (input to output) with a readable text table.

    Attributes:
        input_size: the spatial input size used (None when unknown).
        stopped_at: (name, class) of the layer that ended the table, or None.

    Index it by position or by layer name: `table["conv2d_1"].size`.
    """

    def __init__(self, rows=(), input_size=None, stopped_at=None):
        super().__init__(rows)
        self.input_size = input_size
        self.stopped_at = stopped_at

    def __getitem__(self, key):
        if isinstance(key, str):
            for row in self:
                if row.name == key:
                    return row
            raise KeyError(f"receptive field: no layer named {key!r}; layers: {[r.name for r in self]}")
        return super().__getitem__(key)

    def field(self, position, layer=None):
        """Input box ((top, bottom), (left, right)), inclusive, seen by the unit at `position`
        of `layer` (name or index; default the last): the bounding box of `support`.

        Without a known input size this is the formula's box (`FieldRow.field`). With it, the
        box holds exactly the pixels that can reach the unit: not the padding, and not the
        pixels a strided layer never covered. Empty (bottom < top) if the unit sees only padding.
        """
        return tuple((int(s[0]), int(s[-1])) if len(s) else (0, -1)
                     for s in self.support(position, layer))

    def support(self, position, layer=None):
        """The input positions, per axis (sorted int arrays), that can change the unit at
        `position`; the field is their product. Traced back layer by layer: each output index
        q of a layer reads inputs q * stride - pad_before + dilation * t, t = 0 .. kernel - 1,
        kept only inside that layer's input when the sizes are known. Differs from the full
        box only where dilation skips pixels."""
        if not self:
            raise ValueError("receptive field: the table is empty (no spatial layer was found).")
        last = self._index(layer)
        position = self[last]._check(position)
        result = []
        for axis, p in enumerate(position):
            points = np.array([p])
            for index in range(last, -1, -1):
                row = self[index]
                taps = np.arange(row.kernel[axis]) * row.dilation[axis]
                points = np.unique(points[:, None] * row.strides[axis] - row.padding[axis] + taps)
                if self.input_size is not None:
                    size = (self[index - 1].output_size if index else self.input_size)[axis]
                    points = points[(points >= 0) & (points < size)]
            result.append(points)
        return tuple(result)

    def _index(self, layer):
        if layer is None:
            return len(self) - 1
        if isinstance(layer, str):
            return next(i for i, row in enumerate(self) if row.name == self[layer].name)
        return range(len(self))[layer]

    def to_text(self):
        headers = ["layer", "type", "kernel", "stride", "dilation", "pad", "output",
                   "receptive field", "jump", "start"]
        lines = [[r.name, r.layer_type, _axes(r.kernel), _axes(r.strides), _axes(r.dilation),
                  _axes(r.padding), "?" if r.output_size is None else _axes(r.output_size),
                  _axes(r.size), _axes(r.jump), _axes(r.start, ", ")] for r in self]
        widths = [max(len(str(c)) for c in column) for column in zip(headers, *lines)]
        rule = "  ".join("-" * w for w in widths)
        text = [rule, "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(), rule]
        text += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
        text.append(rule)
        if self.input_size is not None:
            text.append(f"input size: {_axes(self.input_size)}")
        if self.stopped_at is not None:
            text.append(f"stopped at {self.stopped_at[0]} ({self.stopped_at[1]}): "
                        "its units see the whole input")
        return "\n".join(text)

    __str__ = to_text

    def __repr__(self):
        return f"ReceptiveFieldTable(\n{self.to_text()}\n)"

    def _repr_pretty_(self, printer, cycle):  # IPython
        printer.text(self.to_text())


def _number(value):
    return int(value) if float(value).is_integer() else float(value)


def _axes(values, separator="x"):
    return separator.join(str(v) for v in values)


__all__ = ["FieldRow", "ReceptiveFieldTable"]
