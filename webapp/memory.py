"""Keep big, short-lived allocations from staying in a worker's memory.

Argon2id hashes with 19 MiB of scratch memory on every sign-in check. glibc's malloc serves
such blocks with mmap and unmaps them on free, but after the first one it raises its mmap
threshold to that size, so the next ones come from the heap and their pages stay resident:
a worker grew by ~26 MB at its first sign-in and kept it. Pinning the threshold keeps every
block of 4 MiB or more mmapped, returned to the system as soon as it is freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024
_pinned = False


def pin_mmap_threshold() -> bool:
    """True when glibc accepted the fixed threshold (elsewhere nothing to do: False)."""
    global _pinned
    if _pinned:
        return True
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): their malloc behaves
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _pinned = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    if not _pinned:
        log.warning("malloc kept its dynamic mmap threshold")
    return _pinned
