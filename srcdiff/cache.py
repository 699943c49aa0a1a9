"""A locked, per-process cache of generated code keyed by the user's code object and options."""
from __future__ import annotations

import threading

from . import deep
from .context import stale

_lock = threading.RLock()
_entries = {}
_counts = {}  # key -> how many times it was transformed (tests check "exactly once")


def get_or_make(key, make):
    """The cached value for ``key``, calling ``make()`` once (under the lock) when absent or when
    a function it was built on, possibly a callee's callee, has been redefined since."""
    entry = _entries.get(key)
    if entry is not None and not _stale(entry):
        return entry
    code = key[0] if isinstance(key, tuple) and key else None
    return deep.transform(lambda: _make(key, make), code)  # deeply nested code: rerun on a large stack


def _make(key, make):
    with _lock:
        entry = _entries.get(key)
        if entry is None or _stale(entry):
            entry = make()
            _entries[key] = entry
            _counts[key] = _counts.get(key, 0) + 1
        return entry


def _stale(entry):
    guards = getattr(entry, "guards", None)
    return bool(guards) and stale(guards)


def transformations(key):
    return _counts.get(key, 0)


def transformations_of(code):
    """How many transformations of the function with this code object were made."""
    return sum(n for key, n in _counts.items() if key[0] is code)


def clear():
    with _lock:
        _entries.clear()
        _counts.clear()
