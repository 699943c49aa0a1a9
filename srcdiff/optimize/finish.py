"""Passes over generated code before it is compiled: temporaries inlined, dead code dropped,
helpers written out for known shapes and other peephole rewrites, memory of dead temporaries
reused."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import cleanup, first_writes, last_trip, peephole, reuse, specialize
from .. import ir, rules
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


def _pure_call(call, ctx):
    """Does ``call`` leave its arguments alone? Pure helpers and differentiable NumPy functions."""
    if isinstance(call.func, ir.Name) and call.func.id in ctx.helpers:
        return rules.helper_is("pure", ctx.helpers[call.func.id])
    if isinstance(call.func, ir.Name) and rules.helper_is("pure", ctx.resolve(call.func)) and \
            ctx.resolve(call.func) is getattr(runtime, call.func.id, None):  # generated code transformed again
        return True
    if isinstance(call.func, (ir.Name, ir.Attr)) and not any(k.name == "out" for k in call.keywords):
        rule = rules.lookup(ctx.resolve(call.func))
        if rule is not None:
            return rule.adjoint is not None  # differentiable NumPy functions are pure
        owner = call.func.value if isinstance(call.func, ir.Attr) else None
        return isinstance(owner, ir.Name) and rules.is_pure_method(call.func.attr) and \
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
    counts = ir.assignment_counts(body)
    origin = {s.targets[0].id: s.value.args[0] for s in body if _zeros_of_name(s, allocates) and
              isinstance(s.targets[0], ir.Name) and counts.get(s.targets[0].id) == 1 and
              s.value.args[0].id in arrays and counts.get(s.value.args[0].id, 0) == 0}
    return [ir.Assign(s.targets, ir.Call(s.value.func, [ir.Name(origin[s.value.args[0].id].id)], []), s.line)
            if _zeros_of_name(s, allocates) and s.value.args[0].id in origin else s for s in body]


def _zeros_of_name(s, allocates):
    return isinstance(s, ir.Assign) and len(s.targets) == 1 and allocates(s.value) and \
        len(s.value.args) == 1 and not s.value.keywords and isinstance(s.value.args[0], ir.Name)


@dataclass(frozen=True)
class Facts:
    """What the cleanup passes know about one generated function, given by the mode that made it."""

    ctx: object
    temps: frozenset  # srcdiff's own primal temporaries: inlined where used once
    keep: frozenset  # names that must stay variables (returned, or handed to the backward function)
    derivatives: frozenset  # adjoint or tangent names: floating point, and temporaries of the peepholes
    gradients: frozenset = frozenset()  # adjoints that may hold booleans or integers (reverse mode)
    floats: frozenset = frozenset()  # parameters known to hold floats (the call checks them)
    arrays: frozenset = frozenset()  # array parameters beside the arguments (tangent parameters)
    shapes: object = None  # body -> (name -> known constant shape)
    copies: frozenset = frozenset()  # names whose copies (``t_t4 = t_out``) may be read as the original
    sizes: object = None  # () -> name -> entries, for memory reuse
    memo: dict = field(default_factory=dict)  # the float names the float arithmetic passes share

    def merge_temps(self):
        return self.temps | self.derivatives

    def is_floating(self, body, again=False):
        """A test of floating-point expressions; ``again``: from the names the last fresh analysis
        found (the rewrites between keep every name's type, and the analysis is not cheap)."""
        if not again or "floats" not in self.memo:
            self.memo["floats"] = float_names(body, set(self.floats), set(self.derivatives), self.ctx.helpers,
                                              self.ctx.resolve)
        floats = self.memo["floats"]
        return lambda e: is_floating(e, floats, self.ctx.helpers, self.ctx.resolve)


def drop_empty(body, facts):
    """``if``, ``for`` and ``pass`` left with nothing to do."""
    return cleanup.drop_empty(body)


def inline_temporaries(body, facts):
    """One-use temporaries inlined into the statement that reads them (not those in ``keep``)."""
    return cleanup.inline_temporaries(body, facts.temps, set(facts.keep) | _reverse_reads(body))


def drop_dead_code(body, facts):
    """Dead statements and the empty blocks they leave, until nothing more goes."""
    size = _size(body)
    while True:
        body = cleanup.drop_empty(drop_dead(body, facts.ctx))
        size, before = _size(body), size
        if size == before:  # both passes only ever remove statements
            return body


def _size(body):
    """How many statements ``body`` holds at any depth (statements live only in blocks: expressions
    are not walked)."""
    return sum(1 + sum(_size(block) for block in ir.blocks(s)) for s in body)


def floating_gradients(body, facts):
    """Adjoints that may hold booleans or integers made floating point (``peephole.py``): the
    other rewrites, and NumPy's sums, may then take every derivative for a float."""
    if not facts.gradients:
        return body
    wrap = ir.Name(facts.ctx.bind("floating", runtime.floating))
    return peephole.floating_derivatives(body, set(facts.gradients), facts.is_floating(body), wrap)


def specialize_helpers(body, facts):
    """Helpers written out for known shapes (specialize.py)."""
    if not facts.ctx.arg_shapes:
        return body
    return specialize.specialize_calls(body, facts.ctx, facts.shapes(body))


def share_views(body, facts):
    """One view per constant slice of an array parameter."""
    arrays = (set(facts.ctx.arg_shapes) | set(facts.arrays)) - set(ir.assignment_counts(body))
    return peephole.share_views(body, arrays)


def merge_factors(body, facts):
    """Constant factors of a one-use product merged into its reader."""
    return peephole.merge_factors(body, facts.merge_temps())


def fold_negations(body, facts):
    """A one-use negation folded into the sum that reads it."""
    return peephole.fold_negations(body, facts.merge_temps())


def merge_slice_writes(body, facts):
    """A write into a slice of a new gradient array and a later ``+=`` of it written once."""
    ctx = facts.ctx
    return peephole.merge_slice_writes(body, lambda e: _new_zeros(e, ctx), lambda c: _pure_call(c, ctx),
                                       facts.is_floating(body))


def factor_powers_of_two(body, facts):
    """A power of two factored out of a sum (exact: the bits are the same)."""
    return peephole.factor_powers_of_two(body, facts.merge_temps(), facts.is_floating(body, again=True))


def float_constants(body, facts):
    """Integer constants of float arithmetic written as floats."""
    return peephole.float_constants(body, facts.is_floating(body, again=True))


def propagate_copies(body, facts):
    """``t_t4 = t_out``: the copy dropped, ``t_t4`` read as ``t_out``."""
    return cleanup.propagate_copies(body, set(facts.copies))


def reuse_memory(body, facts):
    """Dead temporaries' memory reused, in code specialized to large arrays (reuse.py)."""
    if not reuse.worth_it(facts.ctx):
        return body
    return reuse.reuse_buffers(body, facts.ctx, facts.sizes())


def store_first_writes(body, facts):
    """Writes into a reverse loop's fresh container of zeros that store a new array as it is (first_writes.py)."""
    return first_writes.first_writes(body, facts.ctx)


def skip_dead_last_trip(body, facts):
    """A product the last trip of a reverse loop makes for an adjoint nothing reads, skipped (last_trip.py)."""
    return last_trip.guard_last_trip(body, facts.ctx)


def known_sizes(shapes, derived):
    """For ``Facts.sizes``: entries of the values names hold (``derived``: derivative -> primal)."""
    return lambda: reuse.known_sizes(shapes, derived)


def _reverse_reads(body):
    """Names a tape pushes: they must stay variables."""
    out = set()
    for s in body:
        for n in ir.walk(s):
            if isinstance(n, ir.Call) and isinstance(n.func, ir.Attr) and n.func.attr == "append" \
                    and isinstance(n.func.value, ir.Name) and n.func.value.id == "__tape__":
                out |= {a.id for a in n.args if isinstance(a, ir.Name)}
    return out
