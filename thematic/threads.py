"""The engine's threads: one pool per process, shared by the validator and the engine.

numpy and pyarrow release the GIL in their kernels, so independent pieces of one evaluation
(chunks of events; factorising ids and codes) run side by side on a multi-core machine.
The pool is made on first use (starting threads costs 0.3-0.8 ms here, too much to pay per
call) and dropped in a forked child, which has none of the parent's threads.  A task run on
the pool must not itself wait for the pool (with every thread waiting, nothing would run).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

#: Threads at most (one per core).
MAX_THREADS = 4

_POOL: list[ThreadPoolExecutor] = []
_LOCK = threading.Lock()


def cores() -> int:
    """Return the number of threads worth running side by side here."""
    return min(os.cpu_count() or 1, MAX_THREADS)


def pool() -> ThreadPoolExecutor:
    """Return the process's pool (made on first use)."""
    with _LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(cores(), thread_name_prefix="thematic"))
        return _POOL[0]


def _forget_after_fork() -> None:
    global _LOCK
    _POOL.clear()
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)
