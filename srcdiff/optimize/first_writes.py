"""A reverse loop's writes into the slots of a fresh container of zeros store new arrays as they are.

The adjoint of ``for W, b in layers:`` starts the layers' gradients as zeros and adds each trip's
into its slot: a new array per layer the size of ``W``, the sum of zeros and the gradient. Each
slot is written once, by the trip of its index, while it still holds the zeros; a gradient just
made there (a product, a sum: nothing else holds it) can become the slot's as it is. Before::

    d_seq = zeros_like(seq)
    for k in reversed(range(n)):
        d_W = dot_rhs(d_t3, h, W)
        d_b = unbroadcast(d_t4, b)
        add_at(d_seq, k, (d_W, d_b))

After::

    d_seq = zeros_like(seq)
    for k in reversed(range(n)):
        d_W = dot_rhs(d_t3, h, W)
        d_b = unbroadcast(d_t4, b)
        first_at(d_seq, k, (d_W, d_b), (True, False))

``first_at`` (runtime) keeps a marked array only where it is an ndarray owning its memory with
the zeros' shape and dtype, and adds the rest as before. The slot then holds an object only it
refers to, as the sum did. Proved here: ``d_seq`` is assigned ``zeros_like(...)`` at the top level
and not mentioned again before the loop nor in it but by that one write, at the top level of the
loop body, at the loop's index; ``k`` takes each value once (``reversed(range(n))``, never
assigned, no ``break``/``continue``); a marked name is assigned once in the body, before the
write, by an operation that returns a new object, is read nowhere else in the loop (the loop's
iterable included) and is dead after it.
"""
from __future__ import annotations

import numpy

from .. import ir
from ..analysis.liveness import live_in
from ..runtime import helpers as runtime
from ..runtime import kernels
from .last_trip import bound_names, counts_down_to_zero, names_in

_NEW_BINOPS = frozenset(("+", "-", "*", "/", "//", "%", "**", "@"))
# products that return a new array (or a view of one, or a number): never an operand or a view of one
NEW_PRODUCTS = frozenset((numpy.dot, numpy.matmul, numpy.tensordot, numpy.inner, numpy.outer, numpy.kron,
                          kernels.matmul_lhs, kernels.matmul_rhs, kernels.dot_lhs, kernels.dot_rhs,
                          kernels.tensordot_lhs, kernels.tensordot_rhs))


def first_writes(body, ctx):
    """``body`` (a function's top level) with such writes rewritten."""
    if not ctx.target.has_helper("first_at"):
        return body
    out = list(body)
    for i, s in enumerate(out):
        container = _zeros_assigned(s, ctx)
        if container is None:
            continue
        for j in range(i + 1, len(out)):
            later = out[j]
            if isinstance(later, ir.For) and counts_down_to_zero(later, ctx) and \
                    container not in names_in(later.iter):
                out[j] = _rewritten(later, container, live_in(out[j + 1:]), ctx)
            if container in names_in(later):
                break
    return out


def _zeros_assigned(s, ctx):
    if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
            isinstance(s.value, ir.Call) and isinstance(s.value.func, ir.Name) and \
            ctx.resolve(s.value.func) is runtime.zeros_like and len(s.value.args) == 1 and not s.value.keywords:
        return s.targets[0].id
    return None


def _rewritten(loop, container, live_after, ctx):
    body = list(loop.body)
    k = loop.target.id
    writes = [j for j, s in enumerate(body) if container in names_in(s)]
    if len(writes) != 1:
        return loop
    q = writes[0]
    value = _add_at_slot(body[q], container, k, ctx)
    if value is None:
        return loop
    elts = value.elts if isinstance(value, ir.Tuple) else [value]
    keep = [_made_for_it(e, body, q, live_after, ctx) for e in elts]
    if not any(keep):
        return loop
    marks = ir.Tuple([ir.Const(f) for f in keep]) if isinstance(value, ir.Tuple) else ir.Const(keep[0])
    call = body[q].value
    first = ir.Name(ctx.bind("first_at", runtime.first_at))
    body[q] = ir.ExprStmt(ir.Call(first, list(call.args) + [marks], []), body[q].line)
    return ir.For(loop.target, loop.iter, body, loop.orelse, loop.line)


def _add_at_slot(s, container, k, ctx):
    """``V`` of ``add_at(container, k, V)`` (V a name or a tuple of names), else None."""
    if not (isinstance(s, ir.ExprStmt) and isinstance(s.value, ir.Call)):
        return None
    call = s.value
    if not (isinstance(call.func, ir.Name) and ctx.resolve(call.func) is runtime.add_at and len(call.args) == 3
            and not call.keywords):
        return None
    target, index, value = call.args
    if not (isinstance(target, ir.Name) and target.id == container and isinstance(index, ir.Name) and
            index.id == k):
        return None
    if isinstance(value, ir.Name) or (isinstance(value, ir.Tuple) and value.elts and
                                      all(isinstance(e, ir.Name) for e in value.elts)):
        names = [value.id] if isinstance(value, ir.Name) else [e.id for e in value.elts]
        return value if container not in names and len(set(names)) == len(names) else None
    return None


def _made_for_it(name, body, q, live_after, ctx):
    """Is ``name`` a new object, made in this trip before statement ``q``, that only ``q`` reads?"""
    x = name.id
    if x in live_after:
        return False
    defs = [j for j, s in enumerate(body) if any(x in bound_names(n) for n in ir.walk(s) if isinstance(n, ir.Stmt))]
    if len(defs) != 1 or defs[0] >= q:
        return False
    d = body[defs[0]]
    if not (isinstance(d, ir.Assign) and len(d.targets) == 1 and isinstance(d.targets[0], ir.Name)):
        return False
    reads = [j for j, s in enumerate(body) if x in names_in(s)]
    if reads != sorted({defs[0], q}) or x in names_in(d.value):
        return False
    return _new_object(d.value, ctx)


def _new_object(e, ctx):
    """Does ``e`` return an object nothing else holds (or a number)?"""
    if isinstance(e, ir.BinOp):
        return e.op in _NEW_BINOPS
    if isinstance(e, ir.UnaryOp):
        return e.op == "-"
    if isinstance(e, ir.Call) and isinstance(e.func, ir.Name) and not e.keywords:
        fn = ctx.helpers.get(e.func.id) if e.func.id in ctx.helpers else ctx.resolve(e.func)
        return any(fn is p for p in NEW_PRODUCTS)
    return False
