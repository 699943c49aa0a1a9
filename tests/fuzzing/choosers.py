"""Where the fuzzer's random decisions come from: a seeded RNG, a replayed list, or hypothesis."""
from __future__ import annotations

import random


class GenFail(Exception):
    """This attempt at a statement / expression did not work out; try something else."""


# ------------------------------------------------------------------------------------ choosers


class Chooser:
    """Source of every random decision. ``int`` shrinks to ``lo``; ``choice``/``weighted`` shrink to
    the first option; ``flip`` shrinks to False (the optional extra is left out)."""

    def int(self, lo, hi):
        raise NotImplementedError

    def choice(self, seq):
        seq = list(seq)
        return seq[self.int(0, len(seq) - 1)]

    def flip(self, p=0.5):
        return self.int(0, 99) >= round((1 - p) * 100)

    def weighted(self, options):
        """``options``: list of (weight, value); returns a value."""
        options = [(w, v) for w, v in options if w > 0]
        total = sum(w for w, _ in options)
        r = self.int(0, total - 1)
        for w, v in options:
            if r < w:
                return v
            r -= w
        return options[-1][1]

    def uniform(self, lo, hi, steps=1000):
        return lo + (hi - lo) * self.int(0, steps) / steps


class RandomChooser(Chooser):
    """Seeded random choices; records them (as offsets from ``lo``) so a failure can be replayed
    and shrunk with ``ReplayChooser``."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.record = []

    def int(self, lo, hi):
        v = self.rng.randint(lo, hi)
        self.record.append(v - lo)
        return v


class ReplayChooser(Chooser):
    """Replays recorded offsets; past the end, or out of range, a choice takes its simplest value."""

    def __init__(self, offsets):
        self.offsets = list(offsets)
        self.i = 0
        self.record = []

    def int(self, lo, hi):
        o = self.offsets[self.i] if self.i < len(self.offsets) else 0
        self.i += 1
        if self.i > len(self.offsets) + 2000:
            raise GenFail("replay ran far past the recorded choices")
        v = lo + o if lo + o <= hi else lo
        self.record.append(v - lo)
        return v


class HypothesisChooser(Chooser):
    def __init__(self, draw):
        from hypothesis import strategies as st
        self.draw = draw
        self.st = st

    def int(self, lo, hi):
        return self.draw(self.st.integers(lo, hi))
