"""Automatic layer names (conv2d, conv2d_1, ...); the counters live in `strided._naming`."""

from strided._naming import auto_name, clear_session, reset_names, to_snake_case, uniquify

__all__ = ["to_snake_case", "uniquify", "auto_name", "reset_names", "clear_session"]
