"""Passes over generated code before it is compiled: temporaries inlined, dead code dropped,
helpers written out for known shapes and other peephole rewrites, memory of dead temporaries
reused."""
from __future__ import annotations

from . import cleanup, ir, peephole, reuse, specialize
from .context import all_names


def invented(ctx, original):
    """Names srcdiff made up (temporaries): safe to inline or drop."""
    user = all_names(original)
    return {n for n in ctx.namer.taken if n not in user}


def _pure(s, ctx):
    value = s.value
    if isinstance(value, (ir.Name, ir.Const, ir.BinOp, ir.UnaryOp, ir.Compare, ir.Subscript, ir.Attr,
                          ir.Tuple, ir.List)):
        return True
    if isinstance(value, ir.Call) and isinstance(value.func, ir.Name) and value.func.id in ctx.helpers:
        return value.func.id in cleanup.PURE_HELPERS
    if isinstance(value, ir.Call) and isinstance(value.func, (ir.Name, ir.Attr)):
        from . import rules
        rule = rules.lookup(ctx.resolve(value.func))
        return rule is not None and rule.adjoint is not None  # differentiable NumPy functions are pure
    return False


def drop_dead(body, ctx):
    """Statements whose values nothing reads, where dropping them is safe (``_pure``)."""
    return cleanup.dead_code(body, set(), lambda s: _pure(s, ctx))


def simplify(body, ctx, mode, temps, more_arrays=()):
    """Helpers written out for known shapes (specialize.py), shared slices of array arguments,
    merged constant factors and negations folded into sums (peephole.py)."""
    if ctx.arg_shapes:
        body = specialize.specialize_calls(body, ctx, mode.shapes.constant_shapes())
    arrays = (set(ctx.arg_shapes) | {a for a in more_arrays if a}) - set(cleanup._assigned(body))
    return peephole.fold_negations(peephole.merge_factors(peephole.share_views(body, arrays), temps), temps)


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
