"""A locked, per-process, bounded (least recently used) cache of generated code keyed by the user's
code object, options and the generation of the rule table."""
from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict

from . import deep
from ..context import stale

MAX_PER_FUNCTION = 32
"""Generated variants kept per user function (per code object): shapes, argument kinds, functions
passed as arguments, closures over different functions. The least recently used goes first."""

MAX_ENTRIES = 512
"""Generated variants kept in all (every function together); the least recently used goes first."""

_lock = threading.RLock()
_entries = OrderedDict()  # key -> generated code, least recently used first
_per_code = {}  # code object (key[0]) -> how many entries it has
_counts = weakref.WeakKeyDictionary()  # code object -> how many times it was transformed (tests check "once")
_rules = [0]  # the rule table's generation: code generated under other rules is never reused
_owners = weakref.WeakSet()  # transformed-function objects keeping generated code of their own


def rules_changed():
    """A user registered (or removed) a rule: code generated before may have used the old table
    (a rule, or the function's source where it had none), so none of it is served again."""
    with _lock:
        _rules[0] += 1
        for owner in list(_owners):
            owner.forget_generated()


def rules_generation():
    """How many times the rule table changed in this process (0: srcdiff's own rules only)."""
    return _rules[0]


def remember(owner):
    """``owner.forget_generated()`` is called when the rules change."""
    _owners.add(owner)


def get_or_make(key, make):
    """The cached value for ``key``, calling ``make()`` once (under the lock) when absent or when
    a function it was built on, possibly a callee's callee, has been redefined since."""
    key += (_rules[0],)
    entry = _entries.get(key)
    if entry is not None and not _stale(entry):
        try:
            _entries.move_to_end(key)  # recently used (a concurrent eviction may have dropped it)
        except (KeyError, RuntimeError):  # pragma: no cover  (another thread changed the order meanwhile)
            pass
        return entry
    code = key[0] if isinstance(key, tuple) and key else None
    return deep.transform(lambda: _make(key, make), code)  # deeply nested code: rerun on a large stack


def _make(key, make):
    with _lock:
        entry = _entries.get(key)
        if entry is None or _stale(entry):
            entry = make()
            _store(key, entry)
        return entry


def _store(key, entry):
    """Insert ``entry`` (under the lock), evicting the least recently used beyond the bounds."""
    code = key[0]
    if key not in _entries:
        _per_code[code] = _per_code.get(code, 0) + 1
    _entries[key] = entry
    _entries.move_to_end(key)
    _counts[code] = _counts.get(code, 0) + 1
    if _per_code[code] > MAX_PER_FUNCTION:  # list() copies in one step: lock-free hits reorder the dict
        _evict(next(k for k in list(_entries) if k[0] is code))
    while len(_entries) > MAX_ENTRIES:
        _evict(next(iter(_entries)))


def _evict(key):
    del _entries[key]
    code = key[0]
    _per_code[code] -= 1
    if not _per_code[code]:
        del _per_code[code]


def _stale(entry):
    guards = getattr(entry, "guards", None)
    return bool(guards) and stale(guards)


def size(code=None):
    """How many generated variants the cache holds (of the function with this code object)."""
    return len(_entries) if code is None else _per_code.get(code, 0)


def transformations_of(code):
    """How many transformations of the function with this code object were made."""
    return _counts.get(code, 0)


class Identity:
    """A cache-key part standing for ``obj`` by identity while holding it alive, so that its
    address cannot be reused by another object (an ``id()`` in a key could outlive its object)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return type(other) is Identity and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)

    def __repr__(self):
        return "Identity(%r)" % (self.obj,)


def clear():
    with _lock:
        _entries.clear()
        _per_code.clear()
        _counts.clear()


def _after_fork_in_child():
    """A fork while another thread held the lock would leave the child's copy locked forever."""
    global _lock
    _lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
