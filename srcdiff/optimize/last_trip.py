"""Products the last trip of a reverse loop makes only for an adjoint nothing reads afterwards, skipped.

The reverse sweep of ``for W, b in layers: h = np.tanh(np.dot(h, W) + b)`` carries ``d_h`` from
trip to trip; its last trip (``k == 0``, the first layer) computes ``d_h`` for the input data,
which nothing reads when the data is not differentiated. Before::

    for k in reversed(range(n)):
        ...
        d_h = dot_lhs(d_t3, h, W)
        d_W = dot_rhs(d_t3, h, W)

After::

    for k in reversed(range(n)):
        ...
        if k:
            d_h = dot_lhs(d_t3, h, W)
        d_W = dot_rhs(d_t3, h, W)

Exact when ``k`` is 0 only on the last trip (``reversed(range(n))``, nothing assigns ``k``, no
``break``/``continue``/``return`` in the loop), the statement is the loop's only assignment of
its name at any depth, nothing after it in the body reads the name, the name is dead after the
loop; products write into nothing (no ``out=``; the kernels listed return new arrays), so only
a value nothing reads is not computed.
Only products (matrix products and their adjoint kernels) are guarded: elsewhere the test would
cost about what it saves.
"""
from __future__ import annotations

import builtins

import numpy

from .. import ir
from ..analysis.liveness import live_in
from ..runtime import kernels, kernels_products

PRODUCTS = frozenset(f for f in (
    numpy.dot, numpy.matmul, numpy.tensordot, numpy.einsum, numpy.inner, numpy.outer, numpy.kron,
    kernels.matmul_lhs, kernels.matmul_rhs, kernels.dot_lhs, kernels.dot_rhs,
    kernels.tensordot_lhs, kernels.tensordot_rhs,
    *(getattr(kernels_products, n) for n in dir(kernels_products) if n.endswith(("_lhs", "_rhs")))))


def guard_last_trip(body, ctx):
    """``body`` (a function's top level) with such products of its reverse loops guarded by ``if k:``."""
    out = list(body)
    for i, s in enumerate(out):
        if isinstance(s, ir.For) and counts_down_to_zero(s, ctx):
            out[i] = _guarded(s, live_in(out[i + 1:]), ctx)
    return out


def counts_down_to_zero(loop, ctx):
    """``for k in reversed(range(n))`` whose ``k`` is 0 on the last trip only, and whose trips all
    run to the end of the body."""
    it = loop.iter
    if loop.orelse or not isinstance(loop.target, ir.Name) or not _call_of(it, builtins.reversed, ctx, 1):
        return False
    if not _call_of(it.args[0], builtins.range, ctx, 1):
        return False
    k = loop.target.id
    for node in ir.walk(ir.If(ir.Const(True), loop.body, [])):
        if isinstance(node, (ir.Break, ir.Continue, ir.Return, ir.FunctionDef)):
            return False
        if isinstance(node, (ir.For, ir.While)) and node.orelse:
            return False
        if isinstance(node, ir.Stmt) and k in bound_names(node):
            return False
    return True


def _call_of(e, fn, ctx, nargs):
    return isinstance(e, ir.Call) and isinstance(e.func, ir.Name) and len(e.args) == nargs and \
        not e.keywords and not isinstance(e.args[0], ir.Starred) and ctx.resolve(e.func) is fn


def _guarded(loop, live_after, ctx):
    body = list(loop.body)
    binds = {}
    for s in body:
        for node in ir.walk(s):
            if isinstance(node, ir.Stmt):
                for n in bound_names(node):
                    binds[n] = binds.get(n, 0) + 1
    k = loop.target.id
    for j, s in enumerate(body):
        name = _product_of(s, ctx)
        if name is None or binds.get(name) != 1 or name in live_after:
            continue
        if any(name in names_in(t) for t in body[j + 1:]):
            continue
        body[j] = ir.If(ir.Name(k), [s], [], s.line)
    return ir.For(loop.target, loop.iter, body, loop.orelse, loop.line)


def _product_of(s, ctx):
    """The name a product assigns (``d_h = dot_lhs(g, h, W)``, ``t = a @ b``), else None."""
    if not (isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name)):
        return None
    v = s.value
    if isinstance(v, ir.BinOp) and v.op == "@":
        return s.targets[0].id
    if isinstance(v, ir.Call) and isinstance(v.func, (ir.Name, ir.Attr)) and \
            not any(k.name == "out" for k in v.keywords):
        try:
            fn = ctx.helpers.get(v.func.id) if isinstance(v.func, ir.Name) and v.func.id in ctx.helpers \
                else ctx.resolve(v.func)
            if fn in PRODUCTS:
                return s.targets[0].id
        except TypeError:  # an unhashable object
            return None
    return None


def bound_names(s):
    """Names a statement binds (loop targets included, nested blocks not)."""
    if isinstance(s, ir.Assign):
        return {n for t in s.targets if not isinstance(t, ir.Subscript) for n in ir.target_names(t)}
    if isinstance(s, ir.AugAssign) and isinstance(s.target, ir.Name):
        return {s.target.id}
    if isinstance(s, ir.For):
        return set(ir.target_names(s.target))
    return set()


def names_in(node):
    """Every name a node mentions."""
    return {n.id for n in ir.walk(node) if isinstance(n, ir.Name)}
