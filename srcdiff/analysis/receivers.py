"""Method calls on values srcdiff cannot type: ``r.sum(y)`` is read as ``numpy.sum(r, y)``, which
is right only if ``r`` is an array; if ``r`` is a module or another object, a varied ``y`` would
land in a constant parameter (``axis``) and its derivative would be silently dropped."""
from __future__ import annotations

from .. import ir
from ..errors import MissingRuleError, located
from ..lower.ops import MODULE_FIX, callee_display, atom_names


def refuse_untyped_receivers(fn_def, classify, activity, ctx):
    """Raise where a method's receiver does not vary with the inputs, a value that does is passed
    to a parameter the method's rule treats as constant, and the result is needed: then the
    receiver may well not be an array (``xp.sum(xp.sin(x))`` with ``xp`` a module)."""
    for s in ir.walk(fn_def):
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        if op.receiver is None or op.kind != "rule":
            continue
        varied = activity.varied_before.get(s) or frozenset()
        if any(n in varied for n in atom_names(op.receiver)):
            continue  # derived from the inputs: an array or a number, whose methods these are
        if not set(op.defines()) & (activity.useful_after.get(s) or frozenset()):
            continue
        differentiable = set(op.rule.differentiable_params)
        for param, atom in op.binding.items():
            if param not in differentiable and any(n in varied for n in atom_names(atom)):
                raise _untyped(s, op, param, ctx)


def _untyped(s, op, param, ctx):
    method = s.value.func.attr
    receiver = callee_display(op.receiver)
    receiver = ctx.renamed_from.get(receiver, receiver)
    named = receiver in ctx.source_names  # else a temporary holding ``cfg["xp"]`` or ``obj.xp``
    what = "`%s`" % receiver if named else "the object `.%s()` is called on" % method
    return MissingRuleError(located(
        ctx.filename, s.line, ctx.origin_text.get(s.line, ""),
        "srcdiff reads `.%s()` as the array method, but cannot tell what %s holds: a value that depends on "
        "the differentiated input is passed to `%s` of %s, which that method treats as a constant, so its "
        "derivative would be lost" % (method, what, param, op.rule.name),
        MODULE_FIX % ("`%s`" % receiver if named else "it") + " Otherwise call a module-level function on the arrays."))
