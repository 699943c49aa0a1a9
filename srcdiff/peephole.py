"""Small rewrites of generated straight-line code: one view per slice, constant factors merged.

Before::

    t2 = x[:-1]
    t_t5 = t_t4 * 2 * t4
    t_t6 = 100.0 * t_t5
    t7 = x[:-1]
    t_t8 = -t_t7
    t_t9 = t_t8 * 2 * t8

After::

    t2 = x[:-1]
    t_t6 = t_t4 * 200.0 * t4
    t_t9 = t_t7 * -2.0 * t8

Each merged factor saves one pass over an array. Slices are shared only for arrays the code never
rebinds (a slice of an array is a view: two views of one array always agree).
"""
from __future__ import annotations

import numbers

from . import cleanup, ir, syntax


def share_views(body, arrays):
    """``y = a[s]`` after ``z = a[s]`` in the same block, with ``a`` in ``arrays`` and ``s`` a
    constant index with a slice: uses of ``y`` read ``z``."""
    stores = cleanup._assigned(body)
    seen, renames, out = {}, {}, []
    for s in body:
        key = _view_key(s, arrays)
        if key is not None and stores.get(s.targets[0].id) == 1:
            if key in seen:
                renames[s.targets[0].id] = seen[key]
                continue
            seen[key] = s.targets[0].id
        out.append(s)
    return _renamed(out, renames) if renames else body


def _view_key(s, arrays):
    if not (isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name)
            and isinstance(s.value, ir.Subscript) and isinstance(s.value.value, ir.Name)
            and s.value.value.id in arrays):
        return None
    index = s.value.index
    parts = index.elts if isinstance(index, ir.Tuple) else [index]
    if not any(isinstance(p, ir.Slice) for p in parts) or not all(_constant_part(p) for p in parts):
        return None
    return s.value.value.id, syntax.unparse(index)


def _constant_part(p):
    if isinstance(p, ir.Slice):
        return all(q is None or _constant_part(q) for q in (p.lower, p.upper, p.step))
    if isinstance(p, ir.UnaryOp) and p.op == "-":
        return _constant_part(p.operand)
    return isinstance(p, ir.Const) and (p.value is None or p.value is Ellipsis or isinstance(p.value, int))


def _renamed(stmts, renames):
    for s in stmts:
        for n in ir.walk(s):
            if isinstance(n, ir.Name) and n.id in renames:
                n.id = renames[n.id]
    return stmts


def merge_factors(body, temps):
    """A temporary in ``temps`` holding ``-a`` or a product with a constant factor, read once by a
    later product with a constant factor in the same block: one product, constants multiplied."""
    loads, stores = cleanup.uses(body), cleanup._assigned(body)
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], (ir.Name, ir.Subscript)):
            factors = _factors(s.value)
            if factors is not None and _has_constant(factors):
                for k in range(len(out) - 1, -1, -1):
                    prev = out[k]
                    name = _single_use_product(prev, temps, loads, stores, factors)
                    if name is None:
                        continue
                    if not _untouched(out[k + 1:], ir.names_read(prev.value)):
                        break
                    inner = _factors(prev.value)
                    factors = [f for g in factors for f in (inner if _is_name(g, name) else [g])]
                    s = ir.Assign(s.targets, _product(factors), s.line)
                    del out[k]
                    break
        out.append(s)
    return out


def _single_use_product(prev, temps, loads, stores, factors):
    if not (isinstance(prev, ir.Assign) and len(prev.targets) == 1 and isinstance(prev.targets[0], ir.Name)):
        return None
    name = prev.targets[0].id
    if name not in temps or loads.get(name) != 1 or stores.get(name) != 1 or \
            not any(_is_name(f, name) for f in factors):
        return None
    inner = _factors(prev.value)
    return name if inner is not None and _has_constant(inner) else None


def _factors(e):
    """The factors of a product chain (``-a`` is ``-1 * a``); None for anything else."""
    if isinstance(e, ir.UnaryOp) and e.op == "-":
        inner = _factors(e.operand)
        return None if inner is None else [ir.Const(-1)] + inner
    if isinstance(e, ir.BinOp) and e.op == "*":
        left, right = _factors(e.left), _factors(e.right)
        if left is None or right is None:
            return None
        return left + right
    if isinstance(e, ir.Name) or _is_number(e):
        return [e]
    return None


def _product(factors):
    """One constant (where the first constant was) times the other factors, in their order."""
    value, first = 1, None
    for i, f in enumerate(factors):
        if _is_number(f):
            value *= f.value
            first = i if first is None else first
    rest = [f for f in factors if not _is_number(f)]
    if value != 1:
        rest.insert(min(first, len(rest)), ir.Const(value))
    expr = rest[0]
    for f in rest[1:]:
        expr = ir.BinOp("*", expr, f)
    return expr


def _is_number(e):
    return isinstance(e, ir.Const) and isinstance(e.value, numbers.Number) and not isinstance(e.value, bool)


def _has_constant(factors):
    return any(_is_number(f) for f in factors)


def _is_name(e, name):
    return isinstance(e, ir.Name) and e.id == name


def _untouched(stmts, names):
    """Nothing in ``stmts`` rebinds or writes into ``names`` (only plain assignments to other names)."""
    names = set(names)
    return all(isinstance(s, ir.Comment) or (isinstance(s, ir.Assign) and len(s.targets) == 1 and
                                             isinstance(s.targets[0], ir.Name) and s.targets[0].id not in names)
               for s in stmts)


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
        from .rules.kernels import matmul_lhs, matmul_rhs
        from .runtime import owned, unbroadcast
        self.ctx, self.owned = ctx, owned
        self.kernels = {"unbroadcast": unbroadcast, "matmul_lhs": matmul_lhs, "matmul_rhs": matmul_rhs}

    def which(self, func):
        if not isinstance(func, (ir.Name, ir.Attr)):
            return None
        obj = self.ctx.helpers.get(func.id) if isinstance(func, ir.Name) and func.id in self.ctx.helpers \
            else self.ctx.resolve(func)
        for name, kernel in self.kernels.items():
            if obj is kernel:
                return name
        import numpy
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
                self.ctx.helpers.get(e.func.id) is self.owned:
            return e.args[0]
        return e

    def product(self, kind, args, shapes):
        """``matmul_lhs``/``matmul_rhs`` for operands of ranks 1 and 2 (their own fast paths)."""
        g, a, b = args  # each is used once in the forms below
        ranks = (len(shapes[1]), len(shapes[2]))
        if len(shapes[0]) < 1:  # the adjoint is a number standing for an array: leave it to the kernel
            return None
        outer = ir.Attr(ir.Name(self.ctx.bind("np", __import__("numpy"))), "outer")  # of two vectors
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
    from .analysis.shape_rules import UNKNOWN, constant, matmul_shape, reduced_shape
    if isinstance(e, ir.Name):
        return env.get(e.id)
    if _is_number(e):
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
            import numpy
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
