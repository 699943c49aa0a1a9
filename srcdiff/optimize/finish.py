"""Passes over generated code before it is compiled: temporaries inlined, dead code dropped,
helpers written out for known shapes and other peephole rewrites, memory of dead temporaries
reused."""
from __future__ import annotations

from . import cleanup, peephole, reuse, specialize
from .. import ir
from ..runtime import helpers as runtime
from ..analysis.floats import float_names, is_floating
from ..context import all_names


def invented(ctx, original):
    """Names srcdiff made up (temporaries): safe to inline or drop."""
    user = all_names(original)
    return {n for n in ctx.namer.taken if n not in user}


def _pure(s, ctx):
    value = s.value
    if isinstance(value, (ir.Name, ir.Const, ir.BinOp, ir.UnaryOp, ir.Compare, ir.Subscript, ir.Attr,
                          ir.Tuple, ir.List)):
        return True
    return isinstance(value, ir.Call) and _pure_call(value, ctx)


# array methods specialized code calls, which return new arrays or views
_PURE_METHODS = {"sum", "max", "min", "mean", "prod", "reshape"}


def _pure_call(call, ctx):
    """Does ``call`` leave its arguments alone? Pure helpers and differentiable NumPy functions."""
    if isinstance(call.func, ir.Name) and call.func.id in ctx.helpers:
        return call.func.id in cleanup.PURE_HELPERS
    if isinstance(call.func, ir.Name) and call.func.id in cleanup.PURE_HELPERS and \
            ctx.resolve(call.func) is getattr(runtime, call.func.id, None):  # generated code transformed again
        return True
    if isinstance(call.func, (ir.Name, ir.Attr)) and not any(k.name == "out" for k in call.keywords):
        from .. import rules
        rule = rules.lookup(ctx.resolve(call.func))
        if rule is not None:
            return rule.adjoint is not None  # differentiable NumPy functions are pure
        owner = call.func.value if isinstance(call.func, ir.Attr) else None
        return isinstance(owner, ir.Name) and call.func.attr in _PURE_METHODS and \
            (owner.id in ctx.locals or owner.id in ctx.namer.taken)  # a method of a local array
    return False


def _new_zeros(e, ctx):
    """Is ``e`` a call that returns a new array of zeros?"""
    return isinstance(e, ir.Call) and isinstance(e.func, ir.Name) and \
        ctx.resolve(e.func) is runtime.zeros_like  # a helper, or a global of generated code transformed again


def drop_dead(body, ctx):
    """Statements whose values nothing reads, where dropping them is safe (``_pure``), and writes
    into new arrays that nothing reads afterwards (``cleanup.scratch_arrays``)."""
    allocates = lambda e: _new_zeros(e, ctx)  # noqa: E731
    body = _zeros_of_zeros(body, allocates, set(ctx.arg_shapes))
    pure = lambda s: _pure(s, ctx)  # noqa: E731
    return cleanup.dead_code(body, set(), pure, cleanup.scratch_arrays(body, allocates, pure))


def _zeros_of_zeros(body, allocates, arrays):
    """``t_d_x = zeros_like(d_x)`` after ``d_x = zeros_like(x)`` becomes ``t_d_x = zeros_like(x)``
    (the same shape and type) when ``x`` is one of the array parameters ``arrays``, never
    reassigned: it no longer keeps ``d_x`` alive. (Writes into an array keep its shape and dtype;
    those into a list of gradients may not.)"""
    counts = cleanup._assigned(body)
    origin = {s.targets[0].id: s.value.args[0] for s in body if _zeros_of_name(s, allocates) and
              isinstance(s.targets[0], ir.Name) and counts.get(s.targets[0].id) == 1 and
              s.value.args[0].id in arrays and counts.get(s.value.args[0].id, 0) == 0}
    return [ir.Assign(s.targets, ir.Call(s.value.func, [ir.Name(origin[s.value.args[0].id].id)], []), s.line)
            if _zeros_of_name(s, allocates) and s.value.args[0].id in origin else s for s in body]


def _zeros_of_name(s, allocates):
    return isinstance(s, ir.Assign) and len(s.targets) == 1 and allocates(s.value) and \
        len(s.value.args) == 1 and not s.value.keywords and isinstance(s.value.args[0], ir.Name)


def simplify(body, ctx, mode, temps, more_arrays=(), more_shapes=None):
    """Helpers written out for known shapes (specialize.py), shared slices of array arguments,
    merged constant factors, negations folded into sums, writes into one slice merged and powers of
    two factored out of sums (peephole.py). ``more_shapes``: names of known shape beside those of
    the shape analysis (tangent parameters, shaped like their arguments)."""
    if ctx.arg_shapes:
        body = specialize.specialize_calls(body, ctx, {**mode.shapes.constant_shapes(), **(more_shapes or {})})
    arrays = (set(ctx.arg_shapes) | {a for a in more_arrays if a}) - set(cleanup._assigned(body))
    body = peephole.fold_negations(peephole.merge_factors(peephole.share_views(body, arrays), temps), temps)
    floats = _floats(mode, body, ctx)
    floating = lambda e: is_floating(e, floats, ctx.helpers, ctx.resolve)  # noqa: E731
    body = peephole.merge_slice_writes(body, lambda e: _new_zeros(e, ctx), lambda c: _pure_call(c, ctx), floating)
    body = peephole.factor_powers_of_two(body, temps, floating)
    body = peephole.float_constants(body, floating)
    # written out for known shapes, a helper no longer reads its argument: ``np.size(t6)`` is 16
    return drop_dead(body, ctx) if ctx.arg_shapes else body


def reuse_memory(body, ctx, mode):
    """Dead temporaries' memory reused, in code specialized to large arrays (reuse.py)."""
    if not reuse.worth_it(ctx):
        return body
    derived = {v: (k[-1] if isinstance(k, tuple) else k) for k, v in getattr(mode, "adj_names", {}).items()}
    derived.update({v: k for k, v in getattr(mode, "names", {}).items()})
    return reuse.reuse_buffers(body, ctx, reuse.known_sizes(mode.shapes, derived))


def tidy(body, temps, keep):
    """Empty blocks dropped, one-use temporaries in ``temps`` inlined (not those in ``keep``)."""
    body = cleanup.drop_empty(body)
    body = cleanup.inline_temporaries(body, temps, keep | _reverse_reads(body))
    return body


def _reverse_reads(body):
    """Names a tape pushes: they must stay variables."""
    out = set()
    for s in body:
        for n in ir.walk(s):
            if isinstance(n, ir.Call) and isinstance(n.func, ir.Attr) and n.func.attr == "append" \
                    and isinstance(n.func.value, ir.Name) and n.func.value.id == "__tape__":
                out |= {a.id for a in n.args if isinstance(a, ir.Name)}
    return out


def _floats(mode, body, ctx):
    """Names holding floating-point values (``analysis/floats.py``): the arguments differentiated
    but containers (a call checks that they are floats or float arrays), their tangents and the
    derivatives."""
    containers = getattr(mode, "container_params", None) or getattr(mode, "containers", ())
    known = {p for p in mode.wrt if p not in containers}
    known |= {getattr(mode, "names", {}).get(p) for p in known} - {None}
    return float_names(body, known, _derivatives(mode), ctx.helpers, ctx.resolve)


def _derivatives(mode):
    return set(getattr(mode, "adj_names", {}).values()) | set(getattr(mode, "names", {}).values())


def floating_gradients(body, ctx, mode):
    """Adjoints that may hold booleans or integers made floating point (``peephole.py``): the
    other rewrites, and NumPy's sums, may then take every derivative for a float."""
    derivatives = set(getattr(mode, "adj_names", {}).values())
    floats = _floats(mode, body, ctx)
    wrap = ir.Name(ctx.bind("floating", runtime.floating))
    return peephole.floating_derivatives(body, derivatives, lambda e: is_floating(e, floats, ctx.helpers, ctx.resolve),
                                         wrap)
