"""Helper calls written out for the shapes the code is specialized to.

Before::

    d_b = unbroadcast(d_t2, b)
    d_W = matmul_rhs(d_t2, x, W)
    return (d_W, owned(d_b))

After (``d_t2`` of shape ``(5, 2)``, ``b`` of shape ``(2,)``, ``x`` and ``W`` matrices)::

    d_b = d_t2.sum(axis=0)
    d_W = x.T @ d_t2
    return (d_W, d_b)

The helpers decide these cases at run time on every call; with the shapes known they are decided
once, and the gradient reads like one written by hand.
"""
from __future__ import annotations

import numpy

from . import cleanup, ir
from .analysis.shape_rules import UNKNOWN, constant, matmul_shape, reduced_shape
from .rules.kernels import matmul_lhs, matmul_rhs
from .runtime import owned, unbroadcast


def specialize_calls(body, ctx, shapes):
    """Helper calls whose arguments have known shapes, written out for those shapes:
    ``unbroadcast(g, b)`` with ``g`` of shape ``(32, 3)`` and ``b`` of shape ``(3,)`` becomes
    ``g.sum(axis=0)``, ``matmul_lhs(g, h, W)`` of matrices ``g @ W.T``, ``np.size(t)`` a number
    (``1.0 / np.size(t)`` becomes ``1.0 / 96``: still a mean's weight to the reader).

    ``shapes`` maps names to the one array shape they have everywhere (shape analysis); the
    shapes of names the generated code assigns once, at the top level, are inferred from their
    values (``()`` for a number: never taken for an array).
    """
    stores = cleanup._assigned(body)
    env = {n: s for n, s in shapes.items() if stores.get(n, 0) <= 1}
    helpers = _Helpers(ctx)
    fresh = set()  # names assigned once a new array (an arithmetic result, a product, a sum)
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name):
            value = helpers.specialize(s.value, env)
            name = s.targets[0].id
            if stores.get(name) == 1 and name not in env:
                shape = _inferred_shape(value, env)
                if shape is not None:
                    env[name] = shape
                    if len(shape) >= 1 and isinstance(value, (ir.BinOp, ir.Call)):
                        fresh.add(name)
            s = ir.Assign(s.targets, value, s.line)
        elif isinstance(s, ir.Return) and s.value is not None:
            s = ir.Return(helpers.unowned(s.value, fresh), s.line)
        out.append(s)
    return out


class _Helpers:
    def __init__(self, ctx):
        self.ctx = ctx
        self.kernels = {"unbroadcast": unbroadcast, "matmul_lhs": matmul_lhs, "matmul_rhs": matmul_rhs}

    def which(self, func):
        if not isinstance(func, (ir.Name, ir.Attr)):
            return None
        obj = self.ctx.resolve(func)  # helpers bound in generated code included
        for name, kernel in self.kernels.items():
            if obj is kernel:
                return name
        return "size" if obj is numpy.size else None

    def specialize(self, e, env):
        if isinstance(e, ir.Call) and not e.keywords:
            e = ir.Call(e.func, [self.specialize(a, env) for a in e.args], [])
            kind = self.which(e.func)
            shapes = [_inferred_shape(a, env) for a in e.args]
            if kind == "size" and len(shapes) == 1 and shapes[0] is not None:
                return ir.Const(_prod(shapes[0]))
            if kind == "unbroadcast" and None not in shapes:
                return _summed(e.args[0], shapes[0], shapes[1]) or e
            if kind in ("matmul_lhs", "matmul_rhs") and None not in shapes:
                return self.product(kind, e.args, shapes) or e
            return e
        if isinstance(e, ir.BinOp):
            return ir.BinOp(e.op, self.specialize(e.left, env), self.specialize(e.right, env))
        if isinstance(e, ir.UnaryOp):
            return ir.UnaryOp(e.op, self.specialize(e.operand, env))
        return e

    def unowned(self, e, fresh):
        """``owned(n)`` is ``n`` itself when ``n`` is a new array (it copies only views)."""
        if isinstance(e, ir.Tuple):
            return ir.Tuple([self.unowned(x, fresh) for x in e.elts])
        if isinstance(e, ir.Call) and len(e.args) == 1 and isinstance(e.args[0], ir.Name) and \
                e.args[0].id in fresh and isinstance(e.func, ir.Name) and \
                self.ctx.helpers.get(e.func.id) is owned:
            return e.args[0]
        return e

    def product(self, kind, args, shapes):
        """``matmul_lhs``/``matmul_rhs`` for operands of ranks 1 and 2 (their own fast paths)."""
        g, a, b = args  # each is used once in the forms below
        ranks = (len(shapes[1]), len(shapes[2]))
        if len(shapes[0]) < 1:  # the adjoint is a number standing for an array: leave it to the kernel
            return None
        outer = ir.Attr(ir.Name(self.ctx.bind("np", numpy)), "outer")  # of two vectors
        if kind == "matmul_lhs":
            forms = {(2, 2): lambda: ir.BinOp("@", g, ir.Attr(b, "T")), (2, 1): lambda: ir.Call(outer, [g, b], []),
                     (1, 2): lambda: ir.BinOp("@", b, g)}
        else:
            forms = {(2, 2): lambda: ir.BinOp("@", ir.Attr(a, "T"), g), (2, 1): lambda: ir.BinOp("@", g, a),
                     (1, 2): lambda: ir.Call(outer, [a, g], [])}
        return forms[ranks]() if ranks in forms else None


def _summed(g, g_shape, x_shape):
    """``unbroadcast(g, x)`` written out: ``g`` itself, or ``g.sum(axis=...)`` over leading axes."""
    lead = len(g_shape) - len(x_shape)
    if lead < 0 or tuple(g_shape[lead:]) != tuple(x_shape):
        return None
    if lead == 0:
        return g
    axis = ir.Const(0) if lead == 1 else ir.Tuple([ir.Const(i) for i in range(lead)])
    return ir.Call(ir.Attr(g, "sum"), [], [ir.Keyword("axis", axis)])


def _inferred_shape(e, env):
    """The shape of an expression of names of known shape: elementwise, ``@``, ``.T``, ``.sum``."""
    if isinstance(e, ir.Name):
        return env.get(e.id)
    if isinstance(e, ir.Const) and isinstance(e.value, (int, float, complex)) and not isinstance(e.value, bool):
        return ()
    if isinstance(e, ir.UnaryOp) and e.op == "-":
        return _inferred_shape(e.operand, env)
    if isinstance(e, ir.BinOp):
        left, right = _inferred_shape(e.left, env), _inferred_shape(e.right, env)
        if left is None or right is None:
            return None
        if e.op == "@":
            return matmul_shape(left, right)
        if e.op in ("+", "-", "*", "/", "**"):
            try:
                return tuple(numpy.broadcast_shapes(left, right))
            except ValueError:
                return None
        return None
    if isinstance(e, ir.Attr) and e.attr == "T":
        inner = _inferred_shape(e.value, env)
        return None if inner is None else tuple(reversed(inner))
    if isinstance(e, ir.Call) and isinstance(e.func, ir.Attr) and e.func.attr == "sum" and not e.args \
            and len(e.keywords) == 1 and e.keywords[0].name == "axis":
        inner, axis = _inferred_shape(e.func.value, env), constant(e.keywords[0].value)
        return None if inner is None or axis is UNKNOWN else reduced_shape(inner, axis, False)
    return None


def _prod(shape):
    out = 1
    for n in shape:
        out *= n
    return out
