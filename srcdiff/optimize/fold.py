"""Simplify expressions: fold constants, symbolic zeros and signs (``1.0 * x`` -> ``x``).

Before::

    -(-d_y) * 1.0 + 0 * t_x

After::

    d_y
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

from .. import ir


@dataclass(eq=False)
class Zero(ir.Expr):
    """A symbolic zero: the adjoint or tangent of ``like`` that nothing has contributed to."""

    like: ir.Expr | None = None



def _num(e):
    return isinstance(e, ir.Const) and isinstance(e.value, numbers.Number) and not isinstance(e.value, bool)


def _is(e, value):
    return _num(e) and e.value == value and type(e.value) is not complex


_PY_OPS = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "**": lambda a, b: a ** b, "//": lambda a, b: a // b,
}
_CMP = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "is": lambda a, b: a is b,
        "is not": lambda a, b: a is not b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def _has_const_factor(e):
    if _num(e):
        return True
    if isinstance(e, ir.BinOp) and e.op in ("*", "/"):
        return _has_const_factor(e.left)
    return False


def _leading_const(e):
    while isinstance(e, ir.BinOp):
        e = e.left
    return e.value if _num(e) and not isinstance(e.value, complex) else 0


def _commuted_products(a, b):
    """``a`` and ``b`` are the same two-factor product, possibly with the factors swapped."""
    if not (isinstance(a, ir.BinOp) and isinstance(b, ir.BinOp) and a.op == b.op == "*"):
        return False
    names = [x.id if isinstance(x, ir.Name) else None for x in (a.left, a.right, b.left, b.right)]
    if None in names:
        return False
    return (names[0], names[1]) in ((names[2], names[3]), (names[3], names[2]))


def negate(e):
    """``-e``, pushed into a constant factor when there is one (``-(2 * x)`` -> ``-2 * x``)."""
    if _num(e):
        return ir.Const(-e.value)
    if isinstance(e, ir.UnaryOp) and e.op == "-":
        return e.operand
    if isinstance(e, ir.BinOp) and e.op in ("*", "/"):
        if _has_const_factor(e.left):
            return ir.BinOp(e.op, negate(e.left), e.right)
        if e.op == "*" and _num(e.right):
            return ir.BinOp("*", e.left, ir.Const(-e.right.value))
    if isinstance(e, ir.BinOp) and e.op == "-":
        return ir.BinOp("-", e.right, e.left)
    return ir.UnaryOp("-", e)


def _neg_parts(e):
    """(x, True) when ``e`` is ``-x``."""
    if isinstance(e, ir.UnaryOp) and e.op == "-":
        return e.operand, True
    return e, False


def _boolean(e):
    """Is ``e`` a comparison or a logical combination (a boolean array, which ``1.0 *`` turns
    into numbers: it cannot be dropped, and ``-`` of it is an error)?"""
    if isinstance(e, (ir.Compare, ir.BoolOp)):
        return True
    if isinstance(e, ir.UnaryOp) and e.op in ("not", "~"):
        return True
    return isinstance(e, ir.BinOp) and e.op in ("&", "|", "^") and (_boolean(e.left) or _boolean(e.right))


# runtime helpers that are exactly 0 when their first argument is (kernels_math.strong_mul, ...)
STRONG_ZERO = ("strong_mul", "strong_div")


def _callee_name(func):
    return func.id if isinstance(func, ir.Name) else func.attr if isinstance(func, ir.Attr) else None


def fold(e):
    """Simplify constants and symbolic zeros bottom-up (``1.0 * x`` -> ``x``, ``0 * x`` -> 0)."""
    folder = _FOLDERS.get(type(e))
    return folder(e) if folder is not None else e


def _fold_binop(e):
    """Arithmetic: zeros, ones and signs of products and sums, constants computed."""
    left, right = fold(e.left), fold(e.right)
    op = e.op
    lz, rz = isinstance(left, Zero), isinstance(right, Zero)
    if op in ("*", "@"):
        if lz or rz:
            return Zero(None)
        if op == "*" and _is(left, 1) and not _boolean(right):
            return right
        if op == "*" and _num(left) and isinstance(right, ir.BinOp) and right.op in ("*", "/"):
            if _num(right.left):  # 2 * (3 * x) -> 6 * x
                return fold(ir.BinOp(right.op, ir.Const(left.value * right.left.value), right.right))
            return ir.BinOp(right.op, ir.BinOp("*", left, right.left), right.right)  # 2 * (a * b) -> 2 * a * b
        if op == "*" and _is(right, 1) and not _boolean(left):
            return left
        if op == "*" and _is(left, -1) and not _boolean(right):
            return fold(ir.UnaryOp("-", right))
        if op == "*" and _is(right, -1) and not _boolean(left):
            return fold(ir.UnaryOp("-", left))
    if op == "/":
        if lz:
            return Zero(None)
        if _is(right, 1):
            return left
    if op == "+":
        if lz:
            return right
        if rz:
            return left
        if _commuted_products(left, right):  # a * b + b * a -> 2 * a * b
            return ir.BinOp("*", ir.BinOp("*", ir.Const(2), left.left), left.right)
        if isinstance(right, ir.UnaryOp) and right.op == "-":
            return ir.BinOp("-", left, right.operand)
        if _has_const_factor(right) and _leading_const(right) < 0:  # a + -2 * y -> a - 2 * y
            return ir.BinOp("-", left, negate(right))
    if op == "-":
        if rz:
            return left
        if lz:
            return fold(ir.UnaryOp("-", right))
    if op == "**" and _is(right, 1):
        return left
    if op in ("*", "/", "@"):  # pull a sign out of a product: -a * b -> -(a * b)
        (l2, ln), (r2, rn) = _neg_parts(left), _neg_parts(right)
        if ln or rn:
            inner = fold(ir.BinOp(op, l2, r2))
            return inner if ln and rn else negate(inner)
    if op == "+":
        l2, ln = _neg_parts(left)
        if ln and not isinstance(right, ir.UnaryOp):
            return ir.BinOp("-", right, l2)
    if op == "-":
        r2, rn = _neg_parts(right)
        if rn:
            return fold(ir.BinOp("+", left, r2))
        l2, ln = _neg_parts(left)
        if ln:
            return negate(fold(ir.BinOp("+", l2, right)))
    if op in _PY_OPS and _num(left) and _num(right):
        try:
            return ir.Const(_PY_OPS[op](left.value, right.value))
        except Exception:
            pass
    return ir.BinOp(op, left, right)


def _fold_unary(e):
    """A negation folded into its operand; ``not`` of a constant."""
    operand = fold(e.operand)
    if e.op == "-":
        if isinstance(operand, Zero):
            return operand
        return negate(operand)
    if e.op == "not" and isinstance(operand, ir.Const):
        return ir.Const(not operand.value)
    return ir.UnaryOp(e.op, operand)


def _fold_compare(e):
    """A comparison of constants; a literal ``is None``."""
    if not (len(e.ops) == 1):
        return e
    left, right = fold(e.left), fold(e.comparators[0])
    if isinstance(left, ir.Const) and isinstance(right, ir.Const) and e.ops[0] in _CMP:
        try:
            return ir.Const(_CMP[e.ops[0]](left.value, right.value))
        except TypeError:  # complex constants have no order: the general formula applies
            pass
    if e.ops[0] in ("is", "is not") and isinstance(right, ir.Const) and right.value is None and \
            isinstance(left, (ir.Tuple, ir.List, ir.Dict)):  # a literal is never None
        return ir.Const(e.ops[0] == "is not")
    return ir.Compare(left, e.ops, [right])


def _fold_ifexp(e):
    """A conditional expression whose test is a constant."""
    test = fold(e.test)
    if isinstance(test, ir.Const):
        return fold(e.body if test.value else e.orelse)
    return ir.IfExp(test, fold(e.body), fold(e.orelse))


def _fold_boolop(e):
    """``and``/``or`` of constants."""
    values = [fold(v) for v in e.values]
    if all(isinstance(v, ir.Const) for v in values):
        result = values[0].value
        for v in values[1:]:
            result = (result and v.value) if e.op == "and" else (result or v.value)
        return ir.Const(result)
    return ir.BoolOp(e.op, values)


def _fold_subscript(e):
    """An index into a literal tuple or list; an index of a zero."""
    value, index = fold(e.value), fold(e.index)
    if isinstance(value, Zero):
        return value
    if isinstance(value, (ir.Tuple, ir.List)) and isinstance(index, ir.Const) \
            and isinstance(index.value, int) and -len(value.elts) <= index.value < len(value.elts):
        return value.elts[index.value]
    if isinstance(value, (ir.Tuple, ir.List)) and isinstance(index, ir.Slice) and all(
            p is None or (isinstance(p, ir.Const) and isinstance(p.value, int))
            for p in (index.lower, index.upper, index.step)):
        parts = [p.value if p is not None else None for p in (index.lower, index.upper, index.step)]
        return type(value)(value.elts[slice(*parts)])
    return ir.Subscript(value, index)


def _fold_attr(e):
    """The transpose, real or imaginary part of a zero."""
    value = fold(e.value)
    if isinstance(value, Zero) and e.attr in ("T", "real", "imag", "mT"):
        return value
    return ir.Attr(value, e.attr)


def _fold_call(e):
    """Strong products of zeros, ``len`` of a literal."""
    args = [fold(a) for a in e.args]
    if args and _callee_name(e.func) in STRONG_ZERO:
        if isinstance(args[0], Zero):
            return Zero(None)  # strong_mul(0, p) is 0 whatever p is
        inner, negated = _neg_parts(args[0])
        if negated:  # strong_mul(-g, p) -> -strong_mul(g, p): the sign moves out, as from a product
            return negate(ir.Call(fold(e.func), [inner] + args[1:], [ir.Keyword(k.name, fold(k.value))
                                                                     for k in e.keywords]))
    if isinstance(e.func, ir.Name) and e.func.id == "len" and len(args) == 1 and \
            isinstance(args[0], (ir.Tuple, ir.List)):
        return ir.Const(len(args[0].elts))
    if isinstance(e.func, ir.Name) and e.func.id in ("range",) and all(isinstance(a, ir.Const) for a in args):
        return ir.Call(e.func, args, [])
    return ir.Call(fold(e.func), args, [ir.Keyword(k.name, fold(k.value)) for k in e.keywords])


def _fold_tuple(e):
    """Each element."""
    return ir.Tuple([fold(x) for x in e.elts])


def _fold_list(e):
    """Each element."""
    return ir.List([fold(x) for x in e.elts])


_FOLDERS = {
    ir.BinOp: _fold_binop, ir.UnaryOp: _fold_unary, ir.Compare: _fold_compare, ir.IfExp: _fold_ifexp,
    ir.BoolOp: _fold_boolop, ir.Subscript: _fold_subscript, ir.Attr: _fold_attr, ir.Call: _fold_call,
    ir.Tuple: _fold_tuple, ir.List: _fold_list,
}
