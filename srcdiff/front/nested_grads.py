"""``srcdiff.grad(loss)`` made and called inside a differentiated function: the transformation is
built when the code is transformed, and its call is a call of the gradient code it generates."""
from __future__ import annotations

from collections import Counter

from .. import ir
from ..errors import SrcdiffError


def transformations():
    """The public functions whose calls are evaluated when the code is transformed (hessian and hvp
    only to refuse their calls by name)."""
    from .. import api, hessians
    return (api.grad, api.value_and_grad, hessians.hessian, hessians.hvp)


def aliases(fn_def, ctx, resolve, guard=lambda expr, obj: None):
    """{local name: Grad or ValueAndGrad object} for names bound once, in the normalized function,
    to ``srcdiff.grad(f, ...)`` or ``srcdiff.value_and_grad(f, ...)`` of functions and constants
    known now (``dE = srcdiff.grad(energy)``, and the temporary that ``srcdiff.grad(loss)(x)``
    binds), and read only after that binding in its own block (else Python could find the name
    unbound: left to the refusal of a function held in a local variable). ``resolve`` maps a name
    or attribute chain to its object, or None; ``guard(name, function)`` is told the functions
    named in the call (a redefined ``loss`` rebuilds the code)."""
    sites = Counter(p.name for p in fn_def.params)
    calls = {}
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Assign):
            for target in node.targets:
                sites.update(ir.target_names(target))
                if isinstance(target, ir.Name) and isinstance(node.value, ir.Call):
                    calls[target.id] = node.value
        elif isinstance(node, ir.AugAssign):
            sites.update(ir.target_names(node.target))
        elif isinstance(node, (ir.For, ir.Generator)):
            sites.update(ir.target_names(node.target))
    out = {}

    def known(expr):  # ``srcdiff.grad(srcdiff.grad(h))`` binds the inner one to a temporary first
        return out[expr.id] if isinstance(expr, ir.Name) and expr.id in out else resolve(expr)
    changed = True
    while changed:
        changed = False
        for name, call in calls.items():
            # the cheap tests first: a walk of the function per candidate is quadratic in its length
            if name not in out and sites[name] == 1 and name not in ctx.statics and \
                    _makes_transformation(call, resolve) and _read_after_binding(fn_def.body, name):
                obj = evaluate(call, known, guard)
                if obj is not None:
                    out[name] = obj
                    changed = True
    return out


def _read_after_binding(block, name):
    """Is every read of ``name`` in the statements after its one binding, in the binding's block?"""
    return _after(block, name, _mentions(block, name) - 1)  # (less the binding's target)


def _after(block, name, reads):
    for i, stmt in enumerate(block):
        if isinstance(stmt, ir.Assign) and any(isinstance(t, ir.Name) and t.id == name for t in stmt.targets):
            return _mentions(block[i + 1:], name) == reads
        for inner in ir.blocks(stmt):
            found = _after(inner, name, reads)
            if found is not None:
                return found
    return None


def _mentions(block, name):
    return sum(isinstance(n, ir.Name) and n.id == name for stmt in block for n in ir.walk(stmt))


def _makes_transformation(call, resolve):
    return isinstance(call.func, (ir.Name, ir.Attr)) and any(resolve(call.func) is t for t in transformations())


def evaluate(call, resolve, guard=lambda expr, obj: None):
    """The object ``srcdiff.grad(f, wrt=...)`` makes, when the callee is one of ``transformations()``
    and every argument is known now (functions by name, constants), else None."""
    if not _makes_transformation(call, resolve):
        return None
    make = resolve(call.func)
    args, keywords, named = [], {}, []
    for a in call.args:
        value = _known(a, resolve)
        if value is _UNKNOWN:
            return None
        args.append(value)
        named.append((a, value))
    for k in call.keywords:
        value = _known(k.value, resolve)
        if k.name is None or value is _UNKNOWN:
            return None
        keywords[k.name] = value
        named.append((k.value, value))
    try:
        made = make(*args, **keywords)
    except SrcdiffError as exc:  # a bad wrt: raised where the line runs, as written (or refused if differentiated)
        return Refused(exc, make, args)
    for expr, value in named:
        if isinstance(expr, ir.Name) and callable(value):
            guard(expr, value)
    return made


_UNKNOWN = object()


class Refused:
    """``srcdiff.grad(f, wrt=...)`` with arguments it rejects: its call raises when the line runs, so a
    differentiated call of it is refused with that error, not as an unknown function."""

    def __init__(self, exc, make, args):
        name = getattr(args[0], "__name__", "...") if args else "..."
        display = "srcdiff.%s(%s, ...)" % (getattr(make, "__name__", "grad"), name)
        self.problem = "%s raises %s when this line runs: %s" % (display, type(exc).__name__, exc)
        self.fix = "Fix the arguments of %s (wrt names or indexes a parameter of %s)." % (display, name)


def _known(expr, resolve):
    if isinstance(expr, ir.Const):
        return expr.value
    if isinstance(expr, (ir.Tuple, ir.List)):
        items = [_known(e, resolve) for e in expr.elts]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else tuple(items)
    if isinstance(expr, (ir.Name, ir.Attr)):
        obj = resolve(expr)
        return _UNKNOWN if obj is None or not callable(obj) else obj
    return _UNKNOWN


def is_transformation(obj):
    """Is ``obj`` what srcdiff's transformations return (called inside a differentiated function)?"""
    from ..backend.travel import Portable
    return isinstance(obj, Portable)


def generated_callee(obj, display):
    """(the generated function computing what calling ``obj`` computes, its guards), or (None,
    (problem, fix)) when srcdiff cannot differentiate a call of it."""
    from ..api import ValueAndGrad
    if not isinstance(obj, ValueAndGrad):
        return None, ("srcdiff cannot differentiate a call of %s inside a differentiated function: of "
                      "srcdiff's transformations, only srcdiff.grad and srcdiff.value_and_grad (reverse mode) are "
                      "followed there" % display, "Inside the function, call srcdiff.grad or "
                      "srcdiff.value_and_grad of a module-level function.")
    if len(obj.sig.wrt) == 1 and not obj.sig.single:
        return None, ("srcdiff cannot differentiate a call of %s inside a differentiated function: it was made with "
                      "wrt given as a one-element tuple" % display, "Pass wrt as the index or name alone.")
    if obj.has_aux:
        return None, ("srcdiff cannot differentiate a call of %s made with has_aux=True inside a differentiated "
                      "function" % display, "Take the gradient of a function that returns the loss alone, and call "
                      "the function itself for the auxiliary output.")
    try:
        fn = obj.generated_for((), {})  # the code for any shapes (what ``grad(grad(f))`` differentiates)
        guards = obj.checking().functions_for((), {})["result"].guards  # a redefined helper rebuilds it
    except SrcdiffError as exc:
        return None, (str(exc), "(%s is called inside the function differentiated here.)" % display)
    return fn, list(guards or ())


def spelled(obj):
    """``srcdiff.grad(loss)``: how the user made ``obj``, for messages."""
    from ..api import Grad, ValueAndGrad
    kind = "grad" if isinstance(obj, Grad) else "value_and_grad" if isinstance(obj, ValueAndGrad) else \
        type(obj).__name__.lower()
    return "srcdiff.%s(%s)" % (kind, getattr(obj.fun, "__name__", "...") if hasattr(obj, "fun") else "...")
