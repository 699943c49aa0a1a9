"""Appending to a list other names may hold: who sees the change, and the write-backs that keep
the holders up to date.

``cache["A"].append(v)`` is lowered to ``t = cache["A"]; t.append(v); cache["A"] = t`` (see
``normalize``): the store back tells every analysis that ``cache`` changed, as it does in Python.
It puts the very object it read back into its place, so it writes nothing in memory. Any other
name that may hold the appended list (``hs = state["h"]``, ``state = {"h": h}``, ``outer.append(inner)``)
and is read after the append is not updated by srcdiff: such appends are refused.
"""
from __future__ import annotations

from .. import ir
from .unionfind import UnionFind


def _blocks(node):
    yield node.body
    for s in ir.walk(node):
        if s is not node:
            yield from ir.blocks(s)


def _same_index(a, b):
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        return type(a.value) is type(b.value) and a.value == b.value
    return isinstance(a, ir.Name) and isinstance(b, ir.Name) and a.id == b.id


def write_backs(fn_def, classify):
    """append statement -> the stores that put the appended list back where it was read from
    (``t = c[k]; t.append(v); c[k] = t``: ``[c[k] = t]``; deeper for ``c[j][k].append(v)``)."""
    counts, fetched = {}, {}
    for s in ir.walk(fn_def):
        if isinstance(s, ir.Assign):
            for n in classify(s).defines():
                counts[n] = counts.get(n, 0) + 1
            op = classify(s)
            if op.kind == "index" and isinstance(op.target, ir.Name) and isinstance(op.source, ir.Name):
                fetched[op.target.id] = (s, op.source.id, op.index)
    out = {}
    for block in _blocks(fn_def):
        for i, s in enumerate(block):
            if not isinstance(s, ir.ExprStmt) or classify(s).kind != "append":
                continue
            item, chain = classify(s).source.id, []
            for j, w in enumerate(block[i + 1:], i + 1):
                if counts.get(item) != 1 or item not in fetched or not isinstance(w, ir.Assign):
                    break
                fetch, base, index = fetched[item]
                target = w.targets[0]
                if not (isinstance(target, ir.Subscript) and isinstance(target.value, ir.Name)
                        and target.value.id == base and _same_index(target.index, index)
                        and isinstance(w.value, ir.Name) and w.value.id == item
                        and _unchanged_between(block, fetch, j, {base} | set(ir.names_read(index)), classify)):
                    break
                chain.append(w)
                item = base
            out[s] = chain
    return out


def _unchanged_between(block, fetch, end, names, classify):
    """Is ``fetch`` in ``block`` before position ``end``, with no statement in between rebinding
    ``names`` (the container and the key: the store then puts the list back where it was)?"""
    start = next((k for k, t in enumerate(block[:end]) if t is fetch), None)
    if start is None:
        return False
    between = [n for t in block[start + 1:end] for n in ir.walk(t) if isinstance(n, (ir.Assign, ir.For))]
    return not any(set(ir.target_names(n.target) if isinstance(n, ir.For) else classify(n).defines()) & names
                   for n in between)


class Holders(UnionFind):
    """Which names may hold (be, or contain at any depth) the list a name holds, from the
    statements given (flow-insensitive: a superset); the union-find groups names that may be the
    same object."""

    def __init__(self, stmts, classify, sharing_sources):
        super().__init__()
        self.holders = {}  # name -> names of containers that may hold it
        fetched, put = {}, {}  # container -> names read out of it / put into it
        for s in stmts:
            op = classify(s)
            if op.kind == "copy" and isinstance(op.source, ir.Name):
                self.union(op.target.id, op.source.id)
            elif op.kind in ("index", "unpack") and isinstance(op.source, ir.Name):
                for t in op.defines():
                    self.holders.setdefault(t, set()).add(op.source.id)
                    fetched.setdefault(op.source.id, set()).add(t)
            elif op.kind in ("build", "store", "append"):
                container = op.target.value.id if op.kind == "store" else \
                    (op.source.id if op.kind == "append" else None)
                values = [op.value] if op.kind in ("store", "append") else \
                    (list(op.source.values) if isinstance(op.source, ir.Dict) else list(op.source.elts))
                for c in ([container] if container else op.defines()):
                    for v in values:
                        if isinstance(v, ir.Name):
                            self.holders.setdefault(v.id, set()).add(c)
                            put.setdefault(c, set()).add(v.id)
            else:  # calls and views may return their arguments
                for src in sharing_sources(op):
                    for t in op.defines():
                        self.union(t, src)
        for c, names in fetched.items():  # what is read out of a container may be what was put in
            for f in names:
                for p in put.get(c, ()):
                    self.union(f, p)

    def of(self, name, names):
        """Names among ``names`` that may be ``name``'s list or contain it."""
        seen, todo = set(), [self.find(name)]
        while todo:
            root = todo.pop()
            if root in seen:
                continue
            seen.add(root)
            for n, cs in self.holders.items():
                if self.find(n) == root:
                    todo.extend(self.find(c) for c in cs)
        return {n for n in names if self.find(n) in seen}
