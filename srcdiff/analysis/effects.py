"""Calls that may change a differentiated value in place, refused in both modes.

A call whose effect srcdiff cannot see (``a.fill(0.5)``, ``np.copyto(a, x)``, ``out=a``, a helper
that writes into its parameter) would leave the derivative describing the array before the call.
"""
from __future__ import annotations

import functools

from .. import calls, ir
from ..errors import NonDifferentiableError, located
from .aliases import _updated, mutated_parameters
from .shapes import SCALAR


def refuse_hidden_writes(fn_def, classify, varied_before, ctx, shapes=None):
    """Raise for the first call that may write into a varied value without srcdiff seeing it."""
    for s in ir.walk(fn_def):
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        varied = set(varied_before.get(s) or ())
        if op.kind not in ("call", "opaque", "rule", "nondiff"):
            continue
        text = ctx.origin_text.get(s.line, "")
        out = [n for k, v in op.keywords for n in _names(v) if k == "out"]
        if set(out) & varied:
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "`out=` makes %s write into `%s` in place, which srcdiff cannot follow" % (op.name, out[0]),
                "Assign the result instead: `%s = %s(...)`." % (out[0], op.name.strip("`"))))
        if not set(op.diff_inputs()) & varied:
            continue
        if op.kind == "call":
            _refuse_writing_callee(s, op, ctx, text, shapes)
        if op.kind in ("call", "opaque") and isinstance(s, ir.ExprStmt):
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "the result of this call of %s is not used, so it can only matter by changing a "
                "differentiated value in place, which srcdiff cannot follow" % op.name,
                "Make the function return the new value and assign it, e.g. `y = %s(...)`."
                % op.name.strip("`")))
        if op.kind == "opaque" and _writes_in_place(s):  # ``r = a.fill(0.5)``: the result is None
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "%s writes into a differentiated array in place, which srcdiff cannot follow" % op.name,
                "Compute a new array and assign it instead (for example `a = np.sort(a)` rather than "
                "`a.sort()`, `a = np.full_like(a, v)` rather than `a.fill(v)`)."))


# NumPy methods and functions that write into an argument (the receiver, or the first argument)
_IN_PLACE = {"fill", "sort", "put", "partition", "resize", "itemset", "setfield", "byteswap", "__setitem__",
             "__iadd__", "__isub__", "__imul__", "__itruediv__", "copyto", "putmask", "place", "fill_diagonal",
             "put_along_axis", "shuffle", "setitem", "at"}


def _writes_in_place(s):
    value = s.value
    return isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr in _IN_PLACE or \
        isinstance(value, ir.Call) and isinstance(value.func, ir.Name) and value.func.id in _IN_PLACE


def _refuse_writing_callee(s, op, ctx, text, shapes):
    written, augmented = _written_parameters(op.callee)
    if not written and not augmented:
        return
    try:
        bound = calls.bind_arguments(op.callee, op.args, op.keywords)
    except TypeError:
        return  # a call that does not fit the signature fails when it runs
    # ``z[0] = v`` writes into any array passed in; ``z += v`` only into an array, not a number
    hit = [p for p in written if isinstance(bound.get(p), ir.Name)] + \
          [p for p in augmented if isinstance(bound.get(p), ir.Name) and
           (shapes is None or shapes.of(bound[p], s) != SCALAR)]
    if not hit:
        return
    name = getattr(op.callee, "__name__", "the callee")
    raise NonDifferentiableError(located(
        ctx.filename, s.line, text,
        "%s writes into its parameter `%s` in place, which changes the caller's array; srcdiff "
        "cannot carry a write across a call" % (name, hit[0]),
        "Copy it inside %s before writing (`%s = %s.copy()`), or return the new value and assign "
        "it here." % (name, hit[0], hit[0])))


@functools.lru_cache(maxsize=512)
def _written_parameters(callee):
    """(parameters ``callee`` writes into through an index, parameters it updates with ``+=``)."""
    from .. import frontend, ssa
    from ..ops import Classifier
    from ..transform import prepare
    try:
        prep = prepare(callee)
    except Exception:  # noqa: BLE001 - a callee without source is refused where it is transformed
        return (), ()
    ctx = prep.ctx
    tree = ssa.rename_redefinitions(prep.tree, ctx)  # ``z = z.copy(); z[0] = v`` writes a new array
    ctx.locals = frontend.local_names(tree)
    classify = Classifier(ctx)
    params = {p.name for p in tree.params}
    augmented = []
    for st in ir.walk(tree):
        if isinstance(st, ir.Assign):
            for n in classify(st).defines():
                updated = _updated(st, n, ctx) if (st.line, n) in ctx.inplace else None
                if updated in params and updated not in augmented:
                    augmented.append(updated)
    return tuple(mutated_parameters(tree, classify)), tuple(augmented)


def _names(expr):
    return [n.id for n in ir.walk(expr) if isinstance(n, ir.Name)]
