"""Names whose adjoint may hold structural zeros from a selection: the branch of ``numpy.where`` not
taken, the entries ``nan_to_num`` or a NaN-ignoring reduction drops, the entries an index leaves
out. Their entries there may be NaN or inf data, so the adjoint rules that make them multiply with
strong zeros (0 * NaN = 0)."""
from __future__ import annotations

import numpy

from .. import ir

# calls whose adjoint is exactly 0 at the entries of an operand they did not use
_SELECTING = (numpy.where, numpy.select, numpy.choose, numpy.nan_to_num, numpy.nansum, numpy.nanmean,
              numpy.nanprod, numpy.nanvar, numpy.nanstd, numpy.nanmax, numpy.nanmin, numpy.nancumsum)
# reductions whose adjoint spreads each result entry's adjoint over the entries it sums, with no
# product by data: 0 where the result's adjoint is 0 (a row an index left out after the sum)
_SPREADING = (numpy.sum, numpy.mean)


def masked_names(fn_def, classify, output=False):
    """The names read (through any chain of differentiable statements) by an operand of a selecting
    call, and the names whose every use is an index leaving entries out or an entry-by-entry
    statement (an elementwise rule, a copy) of such names. A name, not a statement, is marked: for a
    selection a larger set than needed, never a smaller one. ``output``: the returned value's
    adjoint may itself hold such zeros (a callee whose result the caller selects from)."""
    seeds, inputs, uses, dense = set(), {}, {}, set()
    for s in ir.walk(fn_def):
        if output and isinstance(s, ir.Return) and s.value is not None:
            seeds.update(ir.names_read(s.value))
        read_whole = s.value if isinstance(s, ir.Return) else s.iter if isinstance(s, ir.For) else None
        if read_whole is not None:  # returned, or iterated over: no structural zero
            dense.update(ir.names_read(read_whole))
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        read = op.diff_inputs()
        for n in op.defines() + op.mutates():
            inputs.setdefault(n, set()).update(read)
        if op.kind == "rule" and any(op.rule.obj is obj for obj in _SELECTING):
            seeds.update(read)
        _note_uses(op, read, uses, dense)
    out, todo = set(), list(seeds)
    while todo:
        n = todo.pop()
        if n not in out:
            out.add(n)
            todo.extend(inputs.get(n, ()))
    return frozenset(out | _sparse_by_index(uses, dense))


def _note_uses(op, read, uses, dense):
    """How each use of a name makes its adjoint: ``None`` for an index leaving entries out (zeros
    there), the targets of an entry-by-entry statement or a sum (zeros where theirs are), else dense."""
    if op.kind == "index" and not _takes_all(op.index):
        for n in read:
            uses.setdefault(n, []).append(None)
    elif op.kind == "copy" or op.kind == "rule" and op.rule.elementwise:
        for n in read:
            uses.setdefault(n, []).append(tuple(op.defines() + op.mutates()))
    elif op.kind == "rule" and any(op.rule.obj is f for f in _SPREADING):
        for n in read:
            uses.setdefault(n, []).append(_Spread(op.defines() + op.mutates()))
    else:
        dense.update(read)


def _sparse_by_index(uses, dense):
    """The names whose every use leaves their adjoint 0 where an index left entries out: a use by a
    contraction (or a return) mixes entries, and a sum with it has no structural zero, so the
    products of ordinary code (a softmax before a pick) stay plain; a sum along an axis keeps the
    zeros of the rows an index drops from its result."""
    out = {n for n in uses if n not in dense}
    changed = True
    while changed:
        changed = False
        for n in list(out):  # (a target never read, such as a dead copy ``w = v``, has a zero adjoint)
            if any(u is not None and not all(t in out or (t not in uses and t not in dense) for t in u) or
                   isinstance(u, _Spread) and not all(t in out and all(v is None for v in uses[t]) for t in u)
                   for u in uses[n]):
                out.discard(n)
                changed = True
    return out


class _Spread(tuple):
    """The targets of a sum or a mean of a name: its adjoint is 0 in the rows whose sums an index
    leaves out, as long as the sums are only indexed (a sum broadcast back, as in a softmax, meets
    every entry of its row, so the products there stay plain)."""


def _takes_all(index):
    """``v[:]`` and ``v[...]`` leave no entry out: their adjoint has no structural zero."""
    if isinstance(index, ir.Const) and index.value is Ellipsis:
        return True
    return isinstance(index, ir.Slice) and index.lower is None and index.upper is None and index.step is None
