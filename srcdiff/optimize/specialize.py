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
once, and the gradient reads like one written by hand. A target without ``method_style`` gets
``np.sum(d_t2, axis=0)`` instead of the method.
"""
from __future__ import annotations

import numpy

from . import cleanup
from .. import ir
from .fold import fold
from ..analysis.shape_rules import UNKNOWN, constant, matmul_shape, reduced_shape
from ..rules import fact
from ..runtime.kernels import expand_scaled, matmul_lhs, matmul_rhs
from ..runtime.kernels_math import safe_divisor, strong_div, strong_mul
from ..runtime.helpers import broadcast_count, broadcast_like, expand, floating, owned, unbroadcast


def specialize_calls(body, ctx, shapes):
    """Helper calls whose arguments have known shapes, written out for those shapes:
    ``unbroadcast(g, b)`` with ``g`` of shape ``(32, 3)`` and ``b`` of shape ``(3,)`` becomes
    ``g.sum(axis=0)``, ``matmul_lhs(g, h, W)`` of matrices ``g @ W.T``, ``np.size(t)`` a number
    (``1.0 / np.size(t)`` becomes ``1.0 / 96``: still a mean's weight to the reader), and
    ``expand(g, x, 1, True)`` read by elementwise operators that broadcast ``g`` anyway, ``g``.

    ``shapes`` maps names to the one array shape they have everywhere (shape analysis); the
    shapes of names the generated code assigns at the top level are inferred from their values,
    statement by statement (``()`` for a number: never taken for an array).
    """
    stores = ir.assignment_counts(body)
    nested = set(ir.assignment_counts([s for s in body if not isinstance(s, (ir.Assign, ir.Return, ir.Comment,
                                                                          ir.ExprStmt))]))
    env = {n: s for n, s in shapes.items() if stores.get(n, 0) <= 1}
    helpers = _Helpers(ctx)
    fresh = set()  # names assigned once a new array (an arithmetic result, a product, a sum)
    expanded = {}  # name assigned once an ``expand`` operators could broadcast -> [index, such reads, value]
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name):
            value = helpers.specialize(s.value, env)
            _count_broadcasting_reads(value, expanded, env, helpers.which)
            name = s.targets[0].id
            if not (name in shapes and stores.get(name, 0) <= 1) and name not in nested:  # its shape from here on
                shape = _inferred_shape(value, env, helpers.which)
                env.pop(name, None) if shape is None else env.__setitem__(name, shape)
                if shape is not None and stores.get(name) == 1 and len(shape) >= 1 and \
                        isinstance(value, (ir.BinOp, ir.Call)):
                    fresh.add(name)
                    unexpanded = _unexpanded_value(value, env, helpers.which)
                    if unexpanded is not None:
                        expanded[name] = [len(out), 0, unexpanded]
            s = ir.Assign(s.targets, value, s.line)
        elif isinstance(s, ir.Return) and s.value is not None:
            s = ir.Return(helpers.unowned(s.value, fresh), s.line)
        else:
            _count_broadcasting_reads(s, expanded, env, helpers.which)
        out.append(s)
    reads = cleanup.uses(out)
    for name, (i, broadcasting, unexpanded) in expanded.items():
        if reads.get(name, 0) == broadcasting:  # every read broadcasts: ``n = g``
            out[i] = ir.Assign(out[i].targets, unexpanded, out[i].line)
    return out


# ``np.sum(a, axis=1)`` on an ndarray is ``a.sum(axis=1)``, the same reduction without the Python-level
# dispatch of the function (a microsecond on small arrays)
_REDUCTIONS = {numpy.sum: "sum", numpy.max: "max", numpy.min: "min", numpy.amax: "max", numpy.amin: "min",
               numpy.mean: "mean", numpy.prod: "prod"}
_METHODS = set(_REDUCTIONS.values())


def _unexpanded_value(e, env, which):
    """For ``expand(g, x, axis, keepdims)`` of known shapes, what an elementwise operator with an
    ``x``-shaped operand can broadcast itself: ``g`` (reduced axes kept, or all of them reduced),
    or ``g.reshape(...)`` with the reduced axes put back as length one; else None."""
    if not (isinstance(e, ir.Call) and not e.keywords and which(e.func) == "expand" and len(e.args) == 4):
        return None
    g, (axis, keepdims) = e.args[0], (constant(e.args[2]), constant(e.args[3]))
    g_shape, x_shape = _inferred_shape(g, env, which), _inferred_shape(e.args[1], env, which)
    if g_shape is None or x_shape is None or axis is UNKNOWN or keepdims not in (True, False):
        return None
    if keepdims is True or axis is None or g_shape == ():
        return g if _broadcasts_to(g_shape, x_shape) else None
    kept = reduced_shape(x_shape, axis, True)
    if kept is None or tuple(g_shape) != reduced_shape(x_shape, axis, False):
        return None
    return ir.Call(ir.Attr(g, "reshape"), [ir.Const(n) for n in kept], [])


def _count_broadcasting_reads(node, expanded, env, which):
    """Count reads of ``expanded`` names inside elementwise arithmetic (``+ - * /``, negation) whose
    result keeps its shape when the name holds the unexpanded value: the operators broadcast it
    to the same values (``d_t2 * 2 * t1`` with ``t1`` of the full shape)."""
    if not expanded:
        return
    for root in _elementwise_roots(node):
        leaves = _elementwise_leaves(root)
        candidates = {n for n in leaves if n in expanded}
        shape = _inferred_shape(root, env, which) if candidates else None
        for name in candidates:
            narrow = dict(env, **{name: _inferred_shape(expanded[name][2], env, which)})
            if shape is not None and _inferred_shape(root, narrow, which) == shape:
                expanded[name][1] += leaves.count(name)


def _is_elementwise(e):
    return isinstance(e, ir.BinOp) and e.op in ("+", "-", "*", "/") or isinstance(e, ir.UnaryOp) and e.op == "-"


def _elementwise_roots(node):
    """The largest elementwise arithmetic expressions in ``node`` (not inside one another)."""
    if _is_elementwise(node):
        yield node
        for leaf in _elementwise_operands(node):
            if not _is_elementwise(leaf):
                yield from _elementwise_roots(leaf)
        return
    for child in node.children():
        yield from _elementwise_roots(child)


def _elementwise_operands(e):
    """The operands at the leaves of the elementwise expression ``e``."""
    if _is_elementwise(e):
        parts = [e.left, e.right] if isinstance(e, ir.BinOp) else [e.operand]
        return [leaf for p in parts for leaf in _elementwise_operands(p)]
    return [e]


def _elementwise_leaves(root):
    """Names read directly (through elementwise arithmetic only) by ``root``."""
    return [leaf.id for leaf in _elementwise_operands(root) if isinstance(leaf, ir.Name)]


def _broadcasts_to(shape, target):
    try:
        return tuple(numpy.broadcast_shapes(shape, target)) == tuple(target)
    except ValueError:
        return False


class _Helpers:
    def __init__(self, ctx):
        self.ctx = ctx
        self.kernels = {"unbroadcast": unbroadcast, "matmul_lhs": matmul_lhs, "matmul_rhs": matmul_rhs,
                        "expand": expand, "broadcast_like": broadcast_like, "broadcast_count": broadcast_count,
                        "expand_scaled": expand_scaled, "transpose": numpy.transpose,
                        "safe_divisor": safe_divisor, "floating": floating,
                        "strong_mul": strong_mul, "strong_div": strong_div}

    def which(self, func):
        if not isinstance(func, (ir.Name, ir.Attr)):
            return None
        obj = self.ctx.resolve(func)  # helpers bound in generated code included
        for name, kernel in self.kernels.items():
            if obj is kernel:
                return name
        return "size" if obj is numpy.size else _REDUCTIONS.get(obj)

    def specialize(self, e, env):
        kind = self.which(e.func) if isinstance(e, ir.Call) else None
        if kind in _METHODS and len(e.args) == 1 and {k.name for k in e.keywords} <= {"axis", "keepdims"}:
            arg = self.specialize(e.args[0], env)
            if len(_inferred_shape(arg, env, self.which) or ()) >= 1 and self.ctx.target.method_style:
                return ir.Call(ir.Attr(arg, kind), [], e.keywords)  # an array: its method skips NumPy's dispatch
            return ir.Call(e.func, [arg], e.keywords)
        if isinstance(e, ir.Call) and not e.keywords:
            e = ir.Call(e.func, [self.specialize(a, env) for a in e.args], [])
            shapes = [_inferred_shape(a, env, self.which) for a in e.args]
            if kind == "size" and len(shapes) == 1 and shapes[0] is not None:
                return ir.Const(_prod(shapes[0]))
            if kind == "broadcast_count" and None not in shapes and _prod(shapes[1]):
                return ir.Const(float(_prod(shapes[0]) // _prod(shapes[1])))
            if kind == "expand_scaled" and len(e.args) == 5 and None not in shapes[1:3]:
                count = _prod(shapes[1]) // max(_prod(shapes[2]), 1)  # as the kernel counts them
                g = ir.BinOp("/", e.args[0], ir.Const(count))
                return ir.Call(ir.Name(self.ctx.bind("expand", expand)), [g, e.args[1], e.args[3], e.args[4]], [])
            if kind == "unbroadcast" and None not in shapes:
                return _summed(e.args[0], shapes[0], shapes[1], self.summer()) or e
            if kind in ("matmul_lhs", "matmul_rhs") and None not in shapes:
                return self.product(self.kernels[kind], e.args, shapes) or e
            return e
        if isinstance(e, ir.BinOp):
            left, right = self.specialize(e.left, env), self.specialize(e.right, env)
            if e.op in ("+", "-", "*", "/"):  # ``a + expand(g, a_like, 1, True)``: ``a + g`` broadcasts
                left, right = self.unexpanded(left, right, env), self.unexpanded(right, left, env)
            if e.op in ("+", "-") and isinstance(right, ir.UnaryOp) and right.op == "-":
                return fold(ir.BinOp(e.op, left, right))  # ``a + -g`` is ``a - g`` (exact)
            return ir.BinOp(e.op, left, right)
        if isinstance(e, ir.UnaryOp):
            return ir.UnaryOp(e.op, self.specialize(e.operand, env))
        return e

    def unexpanded(self, e, other, env):
        """``e``, or what it broadcasts (``g`` for ``expand(g, x, 1, True)``) when ``other`` has the
        shape of ``x``."""
        unexpanded = _unexpanded_value(e, env, self.which)
        if unexpanded is not None and _inferred_shape(other, env, self.which) == \
                _inferred_shape(e.args[1], env, self.which):
            return unexpanded
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

    def summer(self):
        """How a sum over axes is written: ``g.sum(axis=0)``, or ``np.sum(g, axis=0)`` for a target
        without method-style calls."""
        if self.ctx.target.method_style:
            return _method_sum
        return lambda g, keywords: ir.Call(ir.Attr(ir.Name(self.ctx.target.bind_namespace(self.ctx)), "sum"),
                                           [g], keywords)

    def product(self, kernel, args, shapes):
        """A product kernel (``matmul_lhs``) for operands of the ranks it declares fast forms for
        (``by_rank``, with its rules in ``runtime_rules``)."""
        if len(shapes[0]) < 1:  # the adjoint is a number standing for an array: leave it to the kernel
            return None
        np = ir.Name(self.ctx.target.bind_namespace(self.ctx))
        form = fact(kernel, "by_rank", {}).get((len(shapes[1]), len(shapes[2])))
        return form(*args, np) if form is not None else None  # each argument is used once


def _method_sum(g, keywords):
    return ir.Call(ir.Attr(g, "sum"), [], keywords)


def _summed(g, g_shape, x_shape, summed=_method_sum):
    """``unbroadcast(g, x)`` written out: ``g`` itself, ``g.sum(axis=...)`` over leading axes, or
    ``g.sum(axis=..., keepdims=True)`` over the axes where ``x`` has length one (``summed(g, keywords)``
    writes the sum: as a method, or as the namespace's function)."""
    lead = len(g_shape) - len(x_shape)
    if lead == 0 and tuple(g_shape) != tuple(x_shape):
        kept = [i for i, (n, m) in enumerate(zip(g_shape, x_shape)) if n != m]
        if any(x_shape[i] != 1 for i in kept):
            return None
        return summed(g, [ir.Keyword("axis", _axes(kept)), ir.Keyword("keepdims", ir.Const(True))])
    if lead < 0 or tuple(g_shape[lead:]) != tuple(x_shape):
        return None
    if lead == 0:
        return g
    return summed(g, [ir.Keyword("axis", _axes(range(lead)))])


def _axes(axes):
    axes = list(axes)
    return ir.Const(axes[0]) if len(axes) == 1 else ir.Tuple([ir.Const(i) for i in axes])


def _inferred_shape(e, env, which=None):
    """The shape of an expression of names of known shape: elementwise, ``@``, ``.T``, ``.sum``,
    and (given ``which``, naming the helper a function is) ``expand`` and ``broadcast_like``."""
    if isinstance(e, ir.Name):
        return env.get(e.id)
    if isinstance(e, ir.Const) and isinstance(e.value, (int, float, complex)) and not isinstance(e.value, bool):
        return ()
    if isinstance(e, ir.UnaryOp) and e.op == "-":
        return _inferred_shape(e.operand, env, which)
    if isinstance(e, ir.BinOp):
        left, right = _inferred_shape(e.left, env, which), _inferred_shape(e.right, env, which)
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
        inner = _inferred_shape(e.value, env, which)
        return None if inner is None else tuple(reversed(inner))
    if isinstance(e, ir.Call):
        return _call_shape(e, env, which)
    return None


def _call_shape(e, env, which):
    """The shape of a call: ``.sum``/``.reshape`` of a known shape, and the helpers (named by
    ``which``) that broadcast to their second argument, keep their argument's shape or reverse it."""
    if isinstance(e.func, ir.Attr) and e.func.attr == "sum" and not e.args \
            and {k.name for k in e.keywords} in ({"axis"}, {"axis", "keepdims"}):
        keywords = {k.name: constant(k.value) for k in e.keywords}
        inner = _inferred_shape(e.func.value, env, which)
        axis, keepdims = keywords["axis"], keywords.get("keepdims", False)
        if inner is None or axis is UNKNOWN or keepdims not in (True, False):
            return None
        return reduced_shape(inner, axis, keepdims)
    if isinstance(e.func, ir.Attr) and e.func.attr == "reshape" and not e.keywords \
            and e.args and all(isinstance(constant(a), int) and constant(a) >= 0 for a in e.args):
        inner = _inferred_shape(e.func.value, env, which)  # ``g.reshape(6, 1)``, as _unexpanded_value writes it
        shape = tuple(constant(a) for a in e.args)
        return shape if inner is not None and _prod(inner) == _prod(shape) else None
    kind = which(e.func) if which is not None and not e.keywords else None
    if kind in ("expand", "broadcast_like", "expand_scaled") and len(e.args) >= 2:
        return _inferred_shape(e.args[1], env, which)  # broadcast to the shape of their second argument
    if kind in ("safe_divisor", "floating") and len(e.args) == 1:
        return _inferred_shape(e.args[0], env, which)  # the divisor with zeros made infinite, a float
    if kind in ("strong_mul", "strong_div") and len(e.args) >= 2:  # g * p or g / q, elementwise
        return _inferred_shape(ir.BinOp("*", *e.args[:2]), env, which)
    if kind == "transpose" and len(e.args) == 1:
        inner = _inferred_shape(e.args[0], env, which)
        return None if inner is None else tuple(reversed(inner))
    return None


def _prod(shape):
    out = 1
    for n in shape:
        out *= n
    return out
