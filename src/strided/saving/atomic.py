"""Atomic file writes for model and weight files: see `strided.utils.atomic_files` (kept
there, below the callbacks, which write backups with it too)."""

from strided.utils.atomic_files import atomic_write, remove_stale_temporaries

__all__ = ["atomic_write", "remove_stale_temporaries"]
