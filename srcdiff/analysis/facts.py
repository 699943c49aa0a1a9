"""Persistent name sets for dataflow states: a statement's change costs O(log n), not a copy of the set.

A forward analysis keeps the state before and after every statement. As frozensets, a function of
n statements defining a name each stores n sets of up to n names (quadratic time and memory). A
``Facts`` is a read-only set made of layers (names added, names removed), newest first, shared with
the state it was derived from; equal-sized neighbours merge like a binary counter, so there are
O(log n) layers and each name is copied O(log n) times. It behaves as a frozen ``Set`` (``in``,
``len``, iteration, ``&``, ``|``, ``-``, ``==``, hashing); set operations return frozensets.
"""
from __future__ import annotations

from collections.abc import Set

_EMPTY = frozenset()


class Facts(Set):
    __slots__ = ("_layers", "_len", "_flat")

    def __init__(self, layers, length):
        self._layers = layers  # ((added, removed), ...), newest first; the last one removes nothing
        self._len = length
        self._flat = None

    @classmethod
    def _from_iterable(cls, it):
        return frozenset(it)

    def __contains__(self, name):
        if self._flat is not None:
            return name in self._flat
        for added, removed in self._layers:
            if name in added:
                return True
            if name in removed:
                return False
        return False

    def __len__(self):
        return self._len

    def __iter__(self):
        return iter(self.frozen())

    def __hash__(self):
        return hash(self.frozen())

    def __eq__(self, other):
        if isinstance(other, Facts):
            other = other.frozen()
        return self.frozen() == other if isinstance(other, (set, frozenset)) else Set.__eq__(self, other)

    def __repr__(self):
        return "Facts(%r)" % (set(self.frozen()),)

    def parts(self):
        """(layers, length), for ``changed`` to build on."""
        return self._layers, self._len

    def depth(self):
        """How many layers this state reads through (O(log n))."""
        return len(self._layers)

    def frozen(self):
        """The names as a frozenset (computed once)."""
        if self._flat is None:
            flat = set()
            for added, removed in reversed(self._layers):
                flat -= removed
                flat |= added
            self._flat = frozenset(flat)
        return self._flat


def changed(state, add=(), remove=()):
    """``(state - remove) | add`` sharing ``state``'s layers (``state`` a Facts or any set)."""
    add = frozenset(add)
    remove = frozenset(remove) - add
    if isinstance(state, Facts):
        layers, length = state.parts()
    else:
        state = frozenset(state)
        layers, length = ((state, _EMPTY),) if state else (), len(state)
    old = Facts(layers, length)
    added = frozenset(n for n in add if n not in old)
    removed = frozenset(n for n in remove if n in old)
    if not added and not removed:
        return old if isinstance(state, Facts) else state
    layer = (added, removed)
    rest = layers
    while rest and len(rest[0][0]) + len(rest[0][1]) <= len(layer[0]) + len(layer[1]):
        layer = _merge(layer, rest[0], bottom=len(rest) == 1)
        rest = rest[1:]
    return Facts((layer,) + rest, length + len(added) - len(removed))


def _merge(newer, older, bottom):
    added = (older[0] - newer[1]) | newer[0]
    removed = _EMPTY if bottom else (older[1] - newer[0]) | newer[1]
    return added, removed
