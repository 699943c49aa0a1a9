"""Union-find over names: which names may hold the same object (aliases, list holders)."""
from __future__ import annotations


class UnionFind:
    """Groups of names; the smallest name (in sort order) stands for its group."""

    def __init__(self):
        self.parent = {}

    def find(self, x):
        while self.parent.get(x, x) != x:
            x = self.parent[x]
        return x

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
