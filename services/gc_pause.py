"""Cyclic garbage collection paused around a bulk read (statistics, large exports).

A county's statistics build some 300,000 small tuples in a second; every 700 allocations
CPython's collector runs, and its older generations walk everything still alive, so about half
of that second went to collections that can find nothing (tuples of strings and dates hold no
cycles); a 100,000-row export lost a sixth of its time so. Reference counting still frees
everything as usual; only the cycle finder waits, and runs when the read is done.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic collection inside; restored after. Overlapping uses (two coroutines) are
    safe: only the one that turned it off turns it back on, so it is never left off unless
    it was off before."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
