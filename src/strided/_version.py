"""strided's version, in a module of its own so that any part of strided can read it."""

__version__ = "0.2.0"
