"""Have the C allocator give a large block back to the system as soon as it is freed (glibc)."""

from __future__ import annotations

import ctypes
import os

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
THRESHOLD = 256 * 1024


def return_large_blocks() -> bool:
    """`mallopt(M_MMAP_THRESHOLD, 256 KiB)`: each block of 256 KiB or more (a mail, its text, an
    attachment's bytes) is a mapping of its own, unmapped when freed.

    glibc's default starts there too, but raises the threshold to the largest block ever freed
    (up to 32 MiB), after which a mail's few MiB come from the heap, fragment it and stay: on a
    backlog with 1-5 MB mails the daemon's peak was 20 MiB higher for it. True when set; nothing
    where the C library has no mallopt or cannot be loaded, or where the administrator chose
    (MALLOC_MMAP_THRESHOLD_, or glibc.malloc.mmap_threshold in GLIBC_TUNABLES)."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "mmap_threshold" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    except OSError:  # no dlopen(NULL) here: an optimisation is no reason not to start
        return False
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1
