"""A locked, per-process cache of generated code keyed by the user's code object and options."""
from __future__ import annotations

import threading

_lock = threading.RLock()
_entries = {}
_counts = {}  # key -> how many times it was transformed (tests check "exactly once")


def get_or_make(key, make):
    """The cached value for ``key``, calling ``make()`` once (under the lock) when absent."""
    entry = _entries.get(key)
    if entry is not None:
        return entry
    with _lock:
        entry = _entries.get(key)
        if entry is None:
            entry = make()
            _entries[key] = entry
            _counts[key] = _counts.get(key, 0) + 1
        return entry


def transformations(key):
    return _counts.get(key, 0)


def transformations_of(code):
    """How many transformations of the function with this code object were made."""
    return sum(n for key, n in _counts.items() if key[0] is code)


def clear():
    with _lock:
        _entries.clear()
        _counts.clear()
