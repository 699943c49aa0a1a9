"""Names whose adjoint may hold structural zeros from a selection: the branch of ``numpy.where`` not
taken, the entries ``nan_to_num`` or a NaN-ignoring reduction drops. Their entries there may be
NaN or inf data, so the adjoint rules that make them multiply with strong zeros (0 * NaN = 0)."""
from __future__ import annotations

import numpy

from .. import ir

# calls whose adjoint is exactly 0 at the entries of an operand they did not use
_SELECTING = (numpy.where, numpy.select, numpy.choose, numpy.nan_to_num, numpy.nansum, numpy.nanmean,
              numpy.nanprod, numpy.nanvar, numpy.nanstd, numpy.nanmax, numpy.nanmin, numpy.nancumsum)


def masked_names(fn_def, classify):
    """The names read (through any chain of differentiable statements) by an operand of a selecting
    call. A name, not a statement, is marked: a larger set than needed, never a smaller one."""
    seeds, inputs = set(), {}
    for s in ir.walk(fn_def):
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        read = op.diff_inputs()
        for n in op.defines() + op.mutates():
            inputs.setdefault(n, set()).update(read)
        if op.kind == "rule" and any(op.rule.obj is obj for obj in _SELECTING):
            seeds.update(read)
    out, todo = set(), list(seeds)
    while todo:
        n = todo.pop()
        if n not in out:
            out.add(n)
            todo.extend(inputs.get(n, ()))
    return frozenset(out)
