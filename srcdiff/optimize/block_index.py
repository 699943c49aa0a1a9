"""The statements a one-pass rewrite of a block has kept so far, indexed by the names they assign.

The peephole rewrites (peephole.py) look back from each statement for the one defining a name and
ask whether anything since rebinds some names; scanning back over the block for that made them
quadratic in its length. Here each statement gets an increasing number when kept, so both answers
come from a few dictionary look-ups, and deleting a kept statement keeps the others' numbers.
"""
from __future__ import annotations

from .. import ir


class KeptStatements:
    def __init__(self):
        self._kept = {}  # number -> statement, in order
        self._defs = {}  # name -> numbers of the kept assignments whose targets include it
        self._others = []  # numbers of kept statements other than comments and one-name assignments
        self._next = 0

    def append(self, s):
        """Keep ``s``; returns its number."""
        k = self._next
        self._next += 1
        self._kept[k] = s
        for name in _defined(s):
            self._defs.setdefault(name, []).append(k)
        if not _plain(s):
            self._others.append(k)
        return k

    def delete(self, k):
        s = self._kept.pop(k)
        for name in _defined(s):
            self._defs[name].remove(k)
        if not _plain(s):
            self._others.remove(k)

    def __getitem__(self, k):
        return self._kept[k]

    def defining(self, name):
        """The number of the last kept assignment with ``name`` among its targets, or None."""
        numbers = self._defs.get(name)
        return numbers[-1] if numbers else None

    def untouched_after(self, k, names):
        """Nothing kept after statement ``k`` rebinds or writes into ``names`` (only plain
        assignments to other names, or comments): ``peephole._untouched`` of the statements after it."""
        if self._others and self._others[-1] > k:
            return False
        return all(not self._defs.get(n) or self._defs[n][-1] <= k for n in names)

    def statements(self):
        return list(self._kept.values())


def _defined(s):
    return [t.id for t in s.targets if isinstance(t, ir.Name)] if isinstance(s, ir.Assign) else []


def _plain(s):
    """A comment, or an assignment to one name (what ``peephole._untouched`` lets through)."""
    return isinstance(s, ir.Comment) or (isinstance(s, ir.Assign) and len(s.targets) == 1 and
                                         isinstance(s.targets[0], ir.Name))
