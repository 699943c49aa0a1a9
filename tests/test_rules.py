"""Every registered reverse-mode derivative rule, checked against central finite differences."""
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest

import srcdiff
from srcdiff import runtime
from srcdiff.rules import all_rules, kernels

RNG = np.random.default_rng(20240611)

# Fixed random weights: functions reduce their output with a slice of these, e.g. W2[:3, :4],
# so every output entry gets a different, non-trivial cotangent.
W1 = RNG.standard_normal(8)
W2 = RNG.standard_normal((8, 8))
W3 = RNG.standard_normal((8, 8, 8))
C = 1.37  # weight of scalar outputs


# ------------------------------------------------------------------ inputs


def unif(lo, hi, *shape):
    """Uniform samples in (lo, hi); a Python float when no shape is given."""
    return RNG.uniform(lo, hi, shape) if shape else float(RNG.uniform(lo, hi))


def normal(*shape):
    return RNG.standard_normal(shape)


def matrix(*batch, n=3):
    """Well-conditioned (batches of) n x n matrices."""
    return n * np.eye(n) + 0.5 * RNG.standard_normal(batch + (n, n))


def away_from(x, points, gap=0.05):
    """``x`` with entries closer than ``gap`` to any of ``points`` pushed past them (kinks, bounds)."""
    x = np.array(x, dtype=float)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + 2 * gap
    return x


def operand(shape, lo=-1.0, hi=1.0):
    """A Python float for shape ``()``, else an array."""
    return unif(lo, hi) if shape == () else unif(lo, hi, *shape)


# ------------------------------------------------------------ known srcdiff bugs


@dataclass(frozen=True)
class Bug:
    """A known srcdiff bug: cases showing it are strict xfails that must fail with ``raises``."""

    reason: str
    raises: tuple = (Exception,)

    def mark(self):
        return pytest.mark.xfail(reason=self.reason, raises=self.raises, strict=True)


# a template `if` whose test is not a constant at the call site (a tuple axis is hoisted to a
# temporary; a bound or base may be a variable) is filled as a runtime `if` holding Contribution
# statements, which the reverse mode never turns into adjoint code
RUNTIME_IF = None  # fixed
KEYWORD_TEMP = None  # fixed
EINSUM_TEMPLATE = None  # fixed
INNER_SWAPAXES = None  # fixed
TENSORDOT_CROSSED = None  # fixed
DIAG_NON_SQUARE = None  # fixed
CONCATENATE_FLAT = None  # fixed
LAZY_GLOBAL = None  # fixed
SHAPE_CLASS = None  # fixed


# ------------------------------------------------------------------ the table


@dataclass
class Case:
    prim: object  # the registered primitive this case exercises
    fun: object
    args: tuple
    wrt: object
    label: str
    bug: Bug = None  # a known srcdiff bug this case shows

    @property
    def id(self):
        return "%s[%s]" % (prim_name(self.prim), self.label)


CASES = []


def case(prim, fun, *args, wrt=0, label=None, bug=None):
    CASES.append(Case(prim, fun, args, wrt, label or fun.__name__, bug))


def prim_name(prim):
    module = getattr(prim, "__module__", None) or ""
    name = getattr(prim, "__name__", repr(prim))
    if isinstance(prim, np.ufunc):
        return name
    if module.startswith("numpy.linalg"):
        return "linalg." + name
    if getattr(math, name, None) is prim:
        return "math." + name
    return name


def own_code(fun):
    """Give a factory-made closure its own code object.

    srcdiff caches generated code by code object, and every closure a factory returns shares
    one, so without this the second closure would reuse the first one's rules
    (see test_cache_tells_closures_apart).
    """
    fun.__code__ = fun.__code__.replace(co_name="%s_%d" % (fun.__name__, next(_CLOSURES)))
    return fun


_CLOSURES = itertools.count()


def weight_like(y):
    """A fixed random cotangent shaped like ``y`` (the constant C for scalars)."""
    return C if np.ndim(y) == 0 else RNG.standard_normal(np.shape(y))


# ---------------------------------------------------- elementwise unary ufuncs

ANY, UNIT, POS = (-1.0, 1.0), (-0.9, 0.9), (0.5, 2.0)
UNARY_UFUNCS = {
    "negative": ANY, "positive": ANY, "reciprocal": POS, "square": ANY, "sqrt": POS,
    "absolute": ANY, "exp": ANY, "expm1": ANY, "log": POS, "log1p": POS, "log2": POS,
    "log10": POS, "sin": ANY, "cos": ANY, "tan": ANY, "arcsin": UNIT, "arccos": UNIT,
    "arctan": ANY, "sinh": ANY, "cosh": ANY, "tanh": ANY,
}


def unary_ufunc_case(name):
    fn = getattr(np, name)

    def unary(x):
        return np.sum(fn(x) * W2[:3, :4])
    return own_code(unary)


for _name, (_lo, _hi) in UNARY_UFUNCS.items():
    _x = away_from(unif(_lo, _hi, 3, 4), [0.0]) if _name == "absolute" else unif(_lo, _hi, 3, 4)
    case(getattr(np, _name), unary_ufunc_case(_name), _x, label="np.%s" % _name)


def unary_minus(x):
    return np.sum(-x * W2[:3, :4])


def unary_plus(x):
    return np.sum(+x * W2[:3, :4])


def builtin_abs(x):
    return np.sum(abs(x) * W2[:3, :4])


def builtin_abs_float(x):
    return abs(x) * C


case(np.negative, unary_minus, normal(3, 4), label="-x")
case(np.positive, unary_plus, normal(3, 4), label="+x")
case(abs, builtin_abs, away_from(normal(3, 4), [0.0]), label="abs(array)")
case(abs, builtin_abs_float, -0.8, label="abs(float)")

# ------------------------------------------- binary elementwise: calls and operators

# (shape of x, shape of y); () means a Python float. Results are all (3, 4).
BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3, 4)), ((3, 4), ())]


def shape_label(shape):
    return "float" if shape == () else "x".join(map(str, shape))


def binary_call(fn, x, y):
    """``sum(fn(x, y) * w)`` with ``w`` a fixed random array shaped like the result."""
    w = weight_like(fn(x, y))

    def binary(x, y):
        return np.sum(fn(x, y) * w)
    return own_code(binary)


def op_add(x, y):
    return np.sum((x + y) * W2[:3, :4])


def op_sub(x, y):
    return np.sum((x - y) * W2[:3, :4])


def op_mul(x, y):
    return np.sum((x * y) * W2[:3, :4])


def op_div(x, y):
    return np.sum((x / y) * W2[:3, :4])


def op_pow(x, y):
    return np.sum((x ** y) * W2[:3, :4])


def op_mod(x, y):
    return np.sum((x % y) * W2[:3, :4])


def builtin_pow(x, y):
    return np.sum(pow(x, y) * W2[:3, :4])


# primitive -> (operator function or None, domain of x, domain of y)
BINARY = {
    np.add: (op_add, ANY, ANY),
    np.subtract: (op_sub, ANY, ANY),
    np.multiply: (op_mul, ANY, ANY),
    np.true_divide: (op_div, ANY, POS),
    np.power: (op_pow, POS, ANY),
    np.maximum: (None, ANY, ANY),
    np.minimum: (None, ANY, ANY),
    np.remainder: (op_mod, (2.1, 2.9), (1.0, 1.04)),  # x / y stays in (2, 3): no jumps
    pow: (builtin_pow, POS, ANY),
}

for _prim, (_op, _dx, _dy) in BINARY.items():
    for _sx, _sy in BROADCAST:
        _shapes = "%s,%s" % (shape_label(_sx), shape_label(_sy))
        _args = (operand(_sx, *_dx), operand(_sy, *_dy))
        # binary_call's weight is a closure array; d[x1] = d[y] (and d[x2] = +-d[y]) hits LAZY_GLOBAL
        _lazy = _sx != (3, 4) or (_prim is not np.remainder and _sy != (3, 4))
        if isinstance(_prim, np.ufunc):
            case(_prim, binary_call(_prim, *_args), *_args, wrt=(0, 1), label="np.%s(%s)" % (_prim.__name__, _shapes),
                 bug=LAZY_GLOBAL if _lazy and _prim in (np.add, np.subtract, np.remainder) else None)
        if _op is not None:
            case(_prim, _op, *_args, wrt=(0, 1), label="%s(%s)" % (_op.__name__, _shapes))


W_ROW = np.array([0.5, -1.0, 2.0])


def bias_global_weight(x, b):
    return np.sum((x + b) * W_ROW)


def op_pow_int(x):
    return np.sum(x ** 3 * W2[:3, :4])


def op_rpow(x):
    return np.sum(2.0 ** x * W2[:3, :4])


def op_mixed_floats(a, b):
    return (a * b - a / b + a ** b) * C


case(np.add, bias_global_weight, normal(2, 3), normal(3), wrt=(0, 1), label="sum((x + b) * W_ROW)",
     bug=LAZY_GLOBAL)
case(np.power, op_pow_int, normal(3, 4), label="x**3")
case(np.power, op_rpow, normal(3, 4), label="2.0**x")
case(np.multiply, op_mixed_floats, 1.3, 0.7, wrt=(0, 1), label="floats a*b-a/b+a**b")

# ties: numpy.maximum/minimum split the cotangent evenly, which is what central differences see
TIE_X, TIE_Y = np.array([[0.5, -0.2], [0.3, 0.1]]), np.array([[0.5, 0.4], [-0.3, 0.1]])
case(np.maximum, binary_call(np.maximum, TIE_X, TIE_Y), TIE_X, TIE_Y, wrt=(0, 1), label="ties")
case(np.minimum, binary_call(np.minimum, TIE_X, TIE_Y), TIE_X, TIE_Y, wrt=(0, 1), label="ties")

# ------------------------------------------------------------ where and clip


def where_relu(x):
    return np.sum(np.where(x > 0, x, 0.0) * W2[:3, :4])


def where_broadcast(c, x, y):
    return np.sum(np.where(c > 0, x, y) * W2[:3, :4])


def where_select(x, y):
    return np.sum(np.where(x > y, x * x, y) * W2[:3, :4])


case(np.where, where_relu, away_from(normal(3, 4), [0.0]))
case(np.where, where_broadcast, normal(3, 4), normal(4), normal(3, 1), wrt=(1, 2))
case(np.where, where_select, normal(3, 4), normal(3, 4), wrt=(0, 1))


def clip_both(x):
    return np.sum(np.clip(x, -0.5, 0.5) * W2[:3, :4])


def clip_no_min(x):
    return np.sum(np.clip(x, None, 0.5) * W2[:3, :4])


def clip_no_max(x):
    return np.sum(np.clip(x, -0.5, None) * W2[:3, :4])


def clip_method(x):
    return np.sum(x.clip(-0.5, 0.5) * W2[:3, :4])


def clip_array_bounds(x, lo, hi):
    return np.sum(np.clip(x, lo, hi) * W2[:3, :4])


CLIP_X = away_from(unif(-1, 1, 3, 4), [-0.5, 0.5])
case(np.clip, clip_both, CLIP_X)
case(np.clip, clip_no_min, CLIP_X)
case(np.clip, clip_no_max, CLIP_X)
case(np.clip, clip_method, CLIP_X)
case(np.clip, clip_array_bounds, CLIP_X, np.full(4, -0.5), np.full((3, 1), 0.5), wrt=(0, 1, 2),
     bug=RUNTIME_IF)

# ------------------------------------------------------------------ reductions

REDUCTIONS = [np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std]
X234 = normal(2, 3, 4)
PROD_X = RNG.choice([-1.0, 1.0], (2, 3, 4)) * unif(0.6, 1.4, 2, 3, 4)


def reduction_variants(fn):
    """label -> function applying reduction ``fn`` to a (2, 3, 4) array."""
    def axis_none(x):
        return fn(x) * C

    def axis_0(x):
        return np.sum(fn(x, axis=0) * W2[:3, :4])

    def axis_neg(x):
        return np.sum(fn(x, axis=-1) * W2[:2, :3])

    def axis_tuple(x):
        return np.sum(fn(x, axis=(0, 2)) * W1[:3])

    def axis_neg_tuple(x):
        return np.sum(fn(x, axis=(-1, 0)) * W1[:3])

    def keepdims_axis(x):
        return np.sum(fn(x, axis=1, keepdims=True) * W3[:2, :1, :4])

    def keepdims_none(x):
        return np.sum(fn(x, keepdims=True) * C)

    def keepdims_tuple(x):
        return np.sum(fn(x, axis=(0, 2), keepdims=True) * W3[:1, :3, :1])

    return {"axis=None": axis_none, "axis=0": axis_0, "axis=-1": axis_neg, "axis=(0,2)": axis_tuple,
            "axis=(-1,0)": axis_neg_tuple, "axis=1,keepdims": keepdims_axis,
            "keepdims": keepdims_none, "axis=(0,2),keepdims": keepdims_tuple}


def ddof_variants(fn):
    def ddof_1(x):
        return fn(x, ddof=1) * C

    def ddof_1_axis(x):
        return np.sum(fn(x, axis=1, ddof=1) * W2[:2, :4])

    def ddof_2_tuple_keepdims(x):
        return np.sum(fn(x, axis=(0, 2), ddof=2, keepdims=True) * W3[:1, :3, :1])

    return {"ddof=1": ddof_1, "axis=1,ddof=1": ddof_1_axis, "axis=(0,2),ddof=2,keepdims": ddof_2_tuple_keepdims}


for _fn in REDUCTIONS:
    _variants = reduction_variants(_fn)
    if _fn in (np.var, np.std):
        _variants.update(ddof_variants(_fn))
    for _label, _f in _variants.items():
        _bug = RUNTIME_IF if _fn in (np.sum, np.mean) and "(" in _label else None  # sum, mean: `if axis is None`
        case(_fn, own_code(_f), PROD_X if _fn is np.prod else X234,
             label="np.%s(%s)" % (_fn.__name__, _label), bug=_bug)


def sum_method(x):
    return np.sum(x.sum(axis=0) * W2[:3, :4])


def mean_method(x):
    return x.mean() * C


def prod_method(x):
    return np.sum(x.prod(axis=-1) * W2[:2, :3])


def max_method(x):
    return np.sum(x.max(axis=1) * W2[:2, :4])


def min_method(x):
    return np.sum(x.min(keepdims=True) * C)


def var_method(x):
    return np.sum(x.var(axis=0) * W2[:3, :4])


def std_method(x):
    return x.std(ddof=1) * C


def sum_axis_parameter(x, axis=1):
    return np.sum(np.sum(x, axis=axis) * W2[:2, :4])


def max_axis_parameter(x, axis=1):
    return np.sum(np.max(x, axis=axis) * W2[:2, :4])


def sum_of_list(a, b):
    return np.sum([a, b * b, 1.0]) * C


def mean_of_list(a, b):
    return np.mean([a, b * b]) * C


def max_of_list(a, b):
    return np.max([a, b * 2.0]) * C


def std_of_tuple(a, b):
    return np.std((a, b * b, 1.0)) * C


def prod_with_zeros(x):
    return np.sum(np.prod(x, axis=1) * W1[:3])


def max_ties(x):
    return np.sum(np.max(x, axis=1) * W1[:2])


def min_ties(x):
    return np.sum(np.min(x, axis=0) * W1[:3])


for _prim, _f in [(np.sum, sum_method), (np.mean, mean_method), (np.prod, prod_method), (np.max, max_method),
                  (np.min, min_method), (np.var, var_method), (np.std, std_method)]:
    case(_prim, _f, PROD_X if _prim is np.prod else X234)
case(np.sum, sum_axis_parameter, X234, label="np.sum(axis=<parameter>)",
     bug=RUNTIME_IF)
case(np.max, max_axis_parameter, X234, label="np.max(axis=<parameter>)")
for _prim, _f in [(np.sum, sum_of_list), (np.mean, mean_of_list), (np.max, max_of_list), (np.std, std_of_tuple)]:
    case(_prim, _f, 0.3, -0.8, wrt=(0, 1))
# one zero in a row: its partial is the product of the others; two zeros: all partials vanish
case(np.prod, prod_with_zeros, np.array([[0.0, 2.0, -1.5], [0.0, 0.0, 3.0], [1.2, -0.7, 0.9]]))
# exactly two entries tie for each extremum: an even split is what central differences measure
case(np.max, max_ties, np.array([[0.3, 0.9, 0.9], [0.7, -0.1, 0.7]]))
case(np.min, min_ties, np.array([[0.3, 0.1, -0.4], [0.3, 0.1, -0.4]]))

# ------------------------------------------------------ scans and differences


def cumsum_flat(x):
    return np.sum(np.cumsum(x) * W1[:6])


def cumsum_axis(x):
    return np.sum(np.cumsum(x, axis=1) * W2[:2, :3])


def cumsum_method(x):
    return np.sum(x.cumsum(axis=-2) * W2[:2, :3])


def diff_default(x):
    return np.sum(np.diff(x) * W2[:3, :3])


def diff_n2_axis0(x):
    return np.sum(np.diff(x, n=2, axis=0) * W2[:1, :4])


def trace_default(a):
    return np.trace(a) * C


def trace_offset(a):
    return np.trace(a, offset=1) * C


def trace_axes(a):
    return np.sum(np.trace(a, axis1=0, axis2=2) * W1[:3])


def trace_method(a):
    return a.trace() * C


case(np.cumsum, cumsum_flat, normal(2, 3))
case(np.cumsum, cumsum_axis, normal(2, 3))
case(np.cumsum, cumsum_method, normal(2, 3))
case(np.diff, diff_default, normal(3, 4))
case(np.diff, diff_n2_axis0, normal(3, 4))
case(np.trace, trace_default, normal(3, 3))
case(np.trace, trace_offset, normal(3, 4))
case(np.trace, trace_axes, normal(2, 3, 2))
case(np.trace, trace_method, normal(3, 3))

# -------------------------------------------------------------------- products


def matmul_operator(a, b):
    w = weight_like(a @ b)

    def at(a, b):
        return np.sum((a @ b) * w)
    return own_code(at)


def dot_method(a, b):
    w = weight_like(a.dot(b))

    def method(a, b):
        return np.sum(a.dot(b) * w)
    return own_code(method)


def shapes_label(*shapes):
    return ",".join(shape_label(s) for s in shapes)


MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)), ((2, 3, 4), (4, 5)),
                 ((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
                 ((2, 1, 3, 4), (5, 4, 2))]
DOT_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)), ((), (3, 4)), ((3, 4), ()),
              ((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5))]
INNER_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((2, 4), (3, 4)), ((2, 3, 4), (5, 4)), ((), (3, 4)),
                ((2, 4), (3, 2, 4))]
INNER_BUGS = {((2, 4), (3, 2, 4)): INNER_SWAPAXES, ((), (3, 4)): INNER_SWAPAXES}
OUTER_SHAPES = [((3,), (4,)), ((2, 2), (3,))]

for _sa, _sb in MATMUL_SHAPES:
    _a, _b = operand(_sa), operand(_sb)
    case(np.matmul, binary_call(np.matmul, _a, _b), _a, _b, wrt=(0, 1), label="np.matmul(%s)" % shapes_label(_sa, _sb))
    case(np.matmul, matmul_operator(_a, _b), _a, _b, wrt=(0, 1), label="a@b(%s)" % shapes_label(_sa, _sb))
for _sa, _sb in DOT_SHAPES:
    _a, _b = operand(_sa), operand(_sb)
    case(np.dot, binary_call(np.dot, _a, _b), _a, _b, wrt=(0, 1), label="np.dot(%s)" % shapes_label(_sa, _sb))
for _sa, _sb in [((3, 4), (4,)), ((3, 4), (4, 5))]:
    _a, _b = operand(_sa), operand(_sb)
    case(np.dot, dot_method(_a, _b), _a, _b, wrt=(0, 1), label="a.dot(b)(%s)" % shapes_label(_sa, _sb))
for _sa, _sb in INNER_SHAPES:
    _a, _b = operand(_sa), operand(_sb)
    case(np.inner, binary_call(np.inner, _a, _b), _a, _b, wrt=(0, 1), label="np.inner(%s)" % shapes_label(_sa, _sb),
         bug=INNER_BUGS.get((_sa, _sb)))
for _sa, _sb in OUTER_SHAPES:
    _a, _b = operand(_sa), operand(_sb)
    case(np.outer, binary_call(np.outer, _a, _b), _a, _b, wrt=(0, 1), label="np.outer(%s)" % shapes_label(_sa, _sb))


def tensordot_1(a, b):
    return np.sum(np.tensordot(a, b, 1) * W3[:2, :3, :5])


def tensordot_2(a, b):
    return np.sum(np.tensordot(a, b, axes=2) * W1[:5])


def tensordot_0(a, b):
    return np.sum(np.tensordot(a, b, axes=0) * W3[:2, :3, :4])


def tensordot_pair(a, b):
    return np.sum(np.tensordot(a, b, axes=([1], [0])) * W3[:2, :4, :5])


def tensordot_int_pair(a, b):
    return np.sum(np.tensordot(a, b, axes=(0, 1)) * W3[:3, :4, :5])


def tensordot_crossed(a, b):
    return np.tensordot(a, b, axes=([0, 1], [1, 0])) * C


def tensordot_crossed_free(a, b):
    return np.sum(np.tensordot(a, b, axes=([0, 2], [1, 0])) * W2[:3, :5])


case(np.tensordot, tensordot_1, normal(2, 3, 4), normal(4, 5), wrt=(0, 1), label="axes=1")
case(np.tensordot, tensordot_2, normal(2, 3, 4), normal(3, 4, 5), wrt=(0, 1), label="axes=2")
case(np.tensordot, tensordot_0, normal(2, 3), normal(4), wrt=(0, 1), label="axes=0")
case(np.tensordot, tensordot_pair, normal(2, 3), normal(3, 4, 5), wrt=(0, 1), label="axes=([1],[0])")
case(np.tensordot, tensordot_int_pair, normal(2, 3, 4), normal(5, 2), wrt=(0, 1), label="axes=(0,1)")
case(np.tensordot, tensordot_crossed, normal(3, 3), normal(3, 3), wrt=(0, 1), label="axes=([0,1],[1,0])",
     bug=TENSORDOT_CROSSED)
case(np.tensordot, tensordot_crossed_free, normal(2, 3, 4), normal(4, 2, 5), wrt=(0, 1),
     label="axes=([0,2],[1,0])", bug=TENSORDOT_CROSSED)


def einsum_matmul(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b) * W2[:3, :5])


def einsum_dot(a, b):
    return np.einsum("i,i->", a, b) * C


def einsum_batched(a, b):
    return np.sum(np.einsum("bij,bjk->bik", a, b) * W3[:2, :3, :5])


def einsum_transpose(a):
    return np.sum(np.einsum("ij->ji", a) * W2[:4, :3])


def einsum_sum_axis(a):
    return np.sum(np.einsum("ijk->j", a) * W1[:3])


def einsum_outer(a, b):
    return np.sum(np.einsum("i,j->ij", a, b) * W2[:3, :4])


def einsum_three(a, b, c):
    return np.sum(np.einsum("ij,jk,k->i", a, b, c) * W1[:3])


def einsum_same_operand(a):
    return np.einsum("ij,ij->", a, a) * C


case(np.einsum, einsum_matmul, normal(3, 4), normal(4, 5), wrt=(0, 1), label="ij,jk->ik", bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_dot, normal(4), normal(4), wrt=(0, 1), label="i,i->", bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_batched, normal(2, 3, 4), normal(2, 4, 5), wrt=(0, 1), label="bij,bjk->bik", bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_transpose, normal(3, 4), label="ij->ji", bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_sum_axis, normal(2, 3, 4), label="ijk->j", bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_outer, normal(3), normal(4), wrt=(0, 1), label="i,j->ij", bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_three, normal(3, 4), normal(4, 5), normal(5), wrt=(0, 1, 2), label="ij,jk,k->i",
     bug=EINSUM_TEMPLATE)
case(np.einsum, einsum_same_operand, normal(3, 4), label="ij,ij-> (same operand)", bug=EINSUM_TEMPLATE)

# ------------------------------------------------------------------ shape changes


def transpose_default(x):
    return np.sum(np.transpose(x) * W3[:4, :3, :2])


def transpose_attribute(x):
    return np.sum(x.T * W3[:4, :3, :2])


def transpose_method(x):
    return np.sum(x.transpose() * W3[:4, :3, :2])


def transpose_method_axes(x):
    return np.sum(x.transpose(1, 0, 2) * W3[:3, :2, :4])


def transpose_axes(x):
    return np.sum(np.transpose(x, (2, 0, 1)) * W3[:4, :2, :3])


def transpose_negative_axes(x):
    return np.sum(np.transpose(x, (-1, 0, 1)) * W3[:4, :2, :3])


def reshape_call(x):
    return np.sum(np.reshape(x, (4, 6)) * W2[:4, :6])


def reshape_shape_keyword(x):
    return np.sum(np.reshape(x, shape=(4, 6)) * W2[:4, :6])


def reshape_method_varargs(x):
    return np.sum(x.reshape(3, 8) * W2[:3, :8])


def reshape_method_tuple(x):
    return np.sum(x.reshape((6, -1)) * W2[:6, :4])


def reshape_flat(x):
    return np.sum(x.reshape(-1) * np.tile(W1[:6], 4))


def ravel_call(x):
    return np.sum(np.ravel(x) * np.tile(W1[:6], 4))


def ravel_method(x):
    return np.sum(x.ravel() * np.tile(W1[:6], 4))


def flatten_method(x):
    return np.sum(x.flatten() * np.tile(W1[:6], 4))


def squeeze_all(x):
    return np.sum(np.squeeze(x) * W2[:3, :4])


def squeeze_axis(x):
    return np.sum(np.squeeze(x, axis=1) * W2[:3, :4])


def squeeze_method(x):
    return np.sum(x.squeeze() * W2[:3, :4])


def expand_dims_int(x):
    return np.sum(np.expand_dims(x, 0) * W3[:1, :3, :4])


def expand_dims_tuple(x):
    return np.sum(np.expand_dims(x, (0, 2))[0] * W3[:3, :1, :4])


def expand_dims_tuple_keyword(x):
    return np.sum(np.expand_dims(x, axis=(0, 2))[0] * W3[:3, :1, :4])


def diag_of_vector(v):
    return np.sum(np.diag(v) * W2[:3, :3])


def diag_of_vector_k(v):
    return np.sum(np.diag(v, k=1) * W2[:4, :4])


def diag_of_matrix(a):
    return np.sum(np.diag(a) * W1[:3])


def diag_of_matrix_k(a):
    return np.sum(np.diag(a, 1) * W1[:2])


def diag_of_wide_matrix(a):
    return np.sum(np.diag(a) * W1[:3])


case(np.transpose, transpose_default, normal(2, 3, 4), label="np.transpose(x)")
case(np.transpose, transpose_attribute, normal(2, 3, 4), label="x.T")
case(np.transpose, transpose_method, normal(2, 3, 4), label="x.transpose()")
case(np.transpose, transpose_method_axes, normal(2, 3, 4), label="x.transpose(1, 0, 2)", bug=RUNTIME_IF)
case(np.transpose, transpose_axes, normal(2, 3, 4), label="np.transpose(x, (2, 0, 1))", bug=RUNTIME_IF)
case(np.transpose, transpose_negative_axes, normal(2, 3, 4), label="np.transpose(x, (-1, 0, 1))",
     bug=RUNTIME_IF)  # behind it: transpose_inverse argsorts (-1, 0, 1) as given, yielding the identity
case(np.reshape, reshape_call, normal(2, 3, 4), label="np.reshape(x, (4, 6))")
case(np.reshape, reshape_shape_keyword, normal(2, 3, 4), label="np.reshape(x, shape=(4, 6))",
    bug=KEYWORD_TEMP)
case(np.reshape, reshape_method_varargs, normal(2, 3, 4), label="x.reshape(3, 8)")
case(np.reshape, reshape_method_tuple, normal(2, 3, 4), label="x.reshape((6, -1))")
case(np.reshape, reshape_flat, normal(4, 6), label="x.reshape(-1)")
case(np.ravel, ravel_call, normal(4, 6), label="np.ravel(x)")
case(np.ravel, ravel_method, normal(4, 6), label="x.ravel()")
case(np.ravel, flatten_method, normal(4, 6), label="x.flatten()")
case(np.squeeze, squeeze_all, normal(3, 1, 4), label="np.squeeze(x)")
case(np.squeeze, squeeze_axis, normal(3, 1, 4), label="np.squeeze(x, axis=1)")
case(np.squeeze, squeeze_method, normal(1, 3, 4), label="x.squeeze()")
case(np.expand_dims, expand_dims_int, normal(3, 4), label="axis=0")
case(np.expand_dims, expand_dims_tuple, normal(3, 4), label="(0,2)")
case(np.expand_dims, expand_dims_tuple_keyword, normal(3, 4), label="axis=(0,2)", bug=KEYWORD_TEMP)
case(np.diag, diag_of_vector, normal(3), label="vector")
case(np.diag, diag_of_vector_k, normal(3), label="vector,k=1")
case(np.diag, diag_of_matrix, normal(3, 3), label="matrix")
case(np.diag, diag_of_matrix_k, normal(3, 3), label="matrix,k=1")
case(np.diag, diag_of_wide_matrix, normal(3, 4), label="3x4 matrix",
     bug=DIAG_NON_SQUARE)


def concatenate_default(x, y):
    return np.sum(np.concatenate([x, y]) * W2[:5, :4])


def concatenate_axis(x, y):
    return np.sum(np.concatenate([y, x, y], axis=1) * W2[:2, :6] + 0.0 * x[0, 0])


def concatenate_tuple_negative(x, y):
    return np.sum(np.concatenate((x, y), axis=-1) * W2[:3, :6])


def concatenate_flat(x, y):
    return np.sum(np.concatenate([x, y], axis=None) * W1[:7])


def stack_default(x, y):
    return np.sum(np.stack([x, y]) * W3[:2, :3, :4])


def stack_axis(x, y):
    return np.sum(np.stack([x, y, x], axis=1) * W3[:3, :3, :4])


def stack_tuple_negative(x, y):
    return np.sum(np.stack((x, y), axis=-1) * W3[:3, :4, :2])


case(np.concatenate, concatenate_default, normal(2, 4), normal(3, 4), wrt=(0, 1), label="list")
case(np.concatenate, concatenate_axis, normal(2, 2), normal(2, 2), wrt=(0, 1), label="list,axis=1")
case(np.concatenate, concatenate_tuple_negative, normal(3, 4), normal(3, 2), wrt=(0, 1), label="tuple,axis=-1")
case(np.concatenate, concatenate_flat, normal(2, 2), normal(3), wrt=(0, 1), label="axis=None",
     bug=CONCATENATE_FLAT)
case(np.stack, stack_default, normal(3, 4), normal(3, 4), wrt=(0, 1), label="list")
case(np.stack, stack_axis, normal(3, 4), normal(3, 4), wrt=(0, 1), label="list,axis=1")
case(np.stack, stack_tuple_negative, normal(3, 4), normal(3, 4), wrt=(0, 1), label="tuple,axis=-1")

# ------------------------------------------------------------ copies and casts


def copy_call(x):
    return np.sum(np.copy(x) * W2[:3, :4])


def copy_method(x):
    return np.sum(x.copy() * W2[:3, :4])


def asarray_call(x):
    return np.sum(np.asarray(x) * W2[:3, :4])


def ascontiguousarray_call(x):
    return np.sum(np.ascontiguousarray(x.T) * W2[:4, :3])


def array_of_array(x):
    return np.sum(np.array(x) * W2[:3, :4])


def array_of_floats(a, b):
    return np.sum(np.array([a, b * b, 2.0]) * W1[:3])


def astype_float(x):
    return np.sum(x.astype(float) * W2[:3, :4])


def astype_float64(x):
    return np.sum(x.astype(np.float64) * W2[:3, :4])


def astype_int(x):
    return np.sum((x.astype(int) + x) * W2[:3, :4])


def item_method(x):
    return (x * x).item() * C


def item_of_sum(x):
    return np.sum(x * W2[:3, :4]).item()


def float_of_array(x):
    return float(np.sum(x * W2[:3, :4])) * C


def float_of_float(a):
    return float(a * a) * C


case(np.copy, copy_call, normal(3, 4), label="np.copy(x)")
case(np.copy, copy_method, normal(3, 4), label="x.copy()")
case(np.asarray, asarray_call, normal(3, 4), label="np.asarray(x)")
case(np.ascontiguousarray, ascontiguousarray_call, normal(3, 4), label="np.ascontiguousarray(x.T)")
case(np.array, array_of_array, normal(3, 4), label="np.array(x)")
case(np.array, array_of_floats, 0.3, -1.2, wrt=(0, 1), label="np.array([a, b * b, 2.0])")
case(kernels.astype, astype_float, normal(3, 4), label="x.astype(float)")
case(kernels.astype, astype_float64, normal(3, 4), label="x.astype(np.float64)")
case(kernels.astype, astype_int, away_from(unif(-3, 3, 3, 4), [-2, -1, 0, 1, 2]), label="x.astype(int)")
case(kernels.item, item_method, normal(1), label="size-1 array")
case(kernels.item, item_of_sum, normal(3, 4), label="0-d array")
case(float, float_of_array, normal(3, 4), label="float(0-d array)")
case(float, float_of_float, 0.7, label="float(float)")

# ------------------------------------------------------------ Python containers


def builtin_sum(x, y):
    return np.sum(sum([x, y * y, 2.0]) * W2[:3, :4])


def builtin_sum_start(a, b):
    return sum([a * b, b], a) * C


def list_of_rows(x):
    rows = list(x)
    return np.sum(rows[0] * W1[:4]) + np.sum(rows[2] * rows[1])


def tuple_of_list(x, y):
    pair = tuple([x, y * 2.0])
    return np.sum(pair[0] * pair[1] * W1[:4])


def loop_over_rows(x):
    total = 0.0
    for row in x:
        total = total + np.sum(np.sin(row) * W1[:4])
    return total


def loop_over_list(x, y):
    total = 0.0
    for v in [x, y, x]:
        total = total + np.sum(v * v * W1[:4])
    return total


case(sum, builtin_sum, normal(3, 4), normal(4), wrt=(0, 1), label="sum([x, y * y, 2.0])")
case(sum, builtin_sum_start, 0.4, -1.3, wrt=(0, 1), label="sum([a * b, b], a)")
case(list, list_of_rows, normal(3, 4), label="list(x)")
case(tuple, tuple_of_list, normal(4), normal(4), wrt=(0, 1), label="tuple([x, y])")
def writes_into_argument(x):
    x[0] = x[0] * 2.0
    return np.sum(x * W1[:4])


case(runtime.private_copy, writes_into_argument, normal(4), label="x[0] = ... (argument copied first)")


def builtin_max_min(a, b):
    return max(a, 2.0 * b) + min(a * a, b) + max([a, b, 0.5])


def dict_values_sum(params):
    return sum(np.sum(v * W1[:3]) for v in params.values())


def dict_items_loop(params):
    total = 0.0
    for name, v in params.items():
        total = total + np.sum(v ** 2)
    return total


case(max, builtin_max_min, 0.7, 0.2, wrt=(0, 1), label="max(a, 2b), max([a, b, 0.5])")
case(min, builtin_max_min, 0.3, 0.9, wrt=(0, 1), label="min(a * a, b)")
case(kernels.dict_values, dict_values_sum, {"a": normal(3), "b": normal(3)}, label="sum(... for v in p.values())")
case(kernels.dict_items, dict_items_loop, {"a": normal(3), "b": normal(2)}, label="for name, v in p.items()")


# srcdiff's own runtime helpers: generated gradients call them, and second derivatives
# differentiate generated gradients


def runtime_unbroadcast(g, x):
    return np.sum(runtime.unbroadcast(g * 2.0, x) * W1[:3])


def runtime_broadcast_like(v, x):
    return np.sum(runtime.broadcast_like(v, x) * W2[:2, :3])


def runtime_expand(g, x):
    return np.sum(runtime.expand(g, x, 1, False) * W2[:2, :3]) + np.sum(runtime.expand(np.sum(g), x))


def runtime_owned_snapshot(g):
    return np.sum(runtime.owned(g) * runtime.snapshot(g) * W1[:3])


def runtime_add(a, b):
    return np.sum(runtime.add(a, b) * W1[:3])


case(runtime.unbroadcast, runtime_unbroadcast, normal(2, 3), normal(3), label="unbroadcast((2,3) -> (3,))")
case(runtime.broadcast_like, runtime_broadcast_like, normal(3), normal(2, 3), label="broadcast_like((3,), (2,3))")
case(runtime.expand, runtime_expand, normal(2), normal(2, 3), label="expand(g, x, axis=1)")
case(runtime.owned, runtime_owned_snapshot, normal(3), label="owned(g) * snapshot(g)")
case(runtime.snapshot, runtime_owned_snapshot, normal(3), label="snapshot")
case(runtime.add, runtime_add, normal(3), normal(3), wrt=(0, 1), label="add(a, b)")
case(runtime.as_sequence, loop_over_rows, normal(3, 4), label="for row in x")
case(runtime.as_sequence, loop_over_list, normal(4), normal(4), wrt=(0, 1), label="for v in [x, y, x]")

# -------------------------------------------------------------------- linalg


def inv_matrix(a):
    return np.sum(np.linalg.inv(a) * W2[:3, :3])


def inv_batched(a):
    return np.sum(np.linalg.inv(a) * W3[:2, :3, :3])


def det_matrix(a):
    return np.linalg.det(a) * C


def det_batched(a):
    return np.sum(np.linalg.det(a) * W1[:2])


def solve_vector(a, b):
    return np.sum(np.linalg.solve(a, b) * W1[:3])


def solve_matrix(a, b):
    return np.sum(np.linalg.solve(a, b) * W2[:3, :2])


def solve_batched(a, b):
    return np.sum(np.linalg.solve(a, b) * W3[:2, :3, :2])


def norm_vector(x):
    return np.linalg.norm(x) * C


def norm_vector_ord1(x):
    return np.linalg.norm(x, ord=1) * C


def norm_vector_ord2(x):
    return np.linalg.norm(x, 2) * C


def norm_vector_inf(x):
    return np.linalg.norm(x, ord=np.inf) * C


def norm_matrix(x):
    return np.linalg.norm(x) * C


def norm_matrix_fro(x):
    return np.linalg.norm(x, "fro") * C


def norm_rows(x):
    return np.sum(np.linalg.norm(x, axis=1) * W1[:3])


def norm_columns_ord1(x):
    return np.sum(np.linalg.norm(x, ord=1, axis=0) * W1[:4])


def norm_rows_inf_keepdims(x):
    return np.sum(np.linalg.norm(x, ord=np.inf, axis=-1, keepdims=True) * W2[:3, :1])


def norm_axis_pair(x):
    return np.sum(np.linalg.norm(x, axis=(1, 2)) * W1[:2])


def norm_keepdims(x):
    return np.sum(np.linalg.norm(x, keepdims=True) * C)


case(np.linalg.inv, inv_matrix, matrix(), label="3x3")
case(np.linalg.inv, inv_batched, matrix(2), label="batched")
case(np.linalg.det, det_matrix, matrix(), label="3x3")
case(np.linalg.det, det_batched, matrix(2), label="batched")
case(np.linalg.solve, solve_vector, matrix(), normal(3), wrt=(0, 1), label="b vector")
case(np.linalg.solve, solve_matrix, matrix(), normal(3, 2), wrt=(0, 1), label="b matrix")
case(np.linalg.solve, solve_batched, matrix(2), normal(2, 3, 2), wrt=(0, 1), label="batched")
NORM_V = away_from(normal(5), [0.0])
NORM_M = away_from(normal(3, 4), [0.0])
case(np.linalg.norm, norm_vector, NORM_V, label="vector")
case(np.linalg.norm, norm_vector_ord1, NORM_V, label="vector,ord=1")
case(np.linalg.norm, norm_vector_ord2, NORM_V, label="vector,ord=2")
case(np.linalg.norm, norm_vector_inf, NORM_V, label="vector,ord=inf")
case(np.linalg.norm, norm_matrix, NORM_M, label="matrix")
case(np.linalg.norm, norm_matrix_fro, NORM_M, label="matrix,fro")
case(np.linalg.norm, norm_rows, NORM_M, label="axis=1")
case(np.linalg.norm, norm_columns_ord1, NORM_M, label="ord=1,axis=0")
case(np.linalg.norm, norm_rows_inf_keepdims, NORM_M, label="ord=inf,axis=-1,keepdims")
case(np.linalg.norm, norm_axis_pair, normal(2, 3, 4), label="axis=(1,2)")
case(np.linalg.norm, norm_keepdims, NORM_M, label="matrix,keepdims")

# ---------------------------------------------------------------------- math

# name -> a point inside the domain
MATH_UNARY = {"sin": 0.7, "cos": 0.7, "tan": 0.4, "exp": 0.3, "log": 1.7, "sqrt": 2.3, "tanh": -0.6,
              "sinh": 0.8, "cosh": -0.9, "asin": 0.45, "acos": -0.35, "atan": 1.8, "log1p": 0.6,
              "expm1": -0.4, "fabs": -0.8}


def math_unary_case(fn):
    def scalar(x):
        return fn(x * 1.1) * C
    return own_code(scalar)


for _name, _x in MATH_UNARY.items():
    case(getattr(math, _name), math_unary_case(getattr(math, _name)), _x, label="math.%s" % _name)
case(math.fabs, math_unary_case(math.fabs), 0.8, label="math.fabs(positive)")


def math_log_base(x, b):
    return math.log(x, b) * C


def math_log_const_base(x):
    return math.log(x, 2.0) * C


def math_pow(x, p):
    return math.pow(x, p) * C


case(math.log, math_log_const_base, 2.5, label="math.log(x, 2.0)")
case(math.log, math_log_base, 2.5, 3.0, wrt=(0, 1), label="math.log(x, b)",
     bug=RUNTIME_IF)
case(math.pow, math_pow, 1.7, 2.3, wrt=(0, 1), label="math.pow(x, p)")


# ---------------------------------------------------------------------- tests


def _params():
    for c in CASES:
        marks = [c.bug.mark()] if c.bug else []
        yield pytest.param(c, id=c.id, marks=marks)


@pytest.mark.parametrize("c", list(_params()))
def test_rule(c):
    srcdiff.check_grad(c.fun, *c.args, wrt=c.wrt)


def differentiable_rules():
    return [r for r in all_rules() if r.adjoint is not None and not r.nondifferentiable]


def test_every_differentiable_rule_has_a_case():
    covered = {id(c.prim) for c in CASES}
    missing = sorted(r.name for r in differentiable_rules() if id(r.obj) not in covered)
    assert not missing, "registered rules without a case in the table: %s" % ", ".join(missing)


def test_every_case_names_a_differentiable_rule():
    registered = {id(r.obj) for r in differentiable_rules()}
    strays = sorted({c.id for c in CASES if id(c.prim) not in registered})
    assert not strays, "cases for primitives without a reverse-mode rule: %s" % ", ".join(strays)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def through_nondifferentiable(x):
    i = np.argmax(x)
    steps = np.floor(x)
    n = len(x)
    rows = x.shape[0]
    return np.sum(x * steps) + x[i] * n + rows * np.sum(np.sin(x) * W1[:5])


STEPS_X = away_from(unif(-2, 2, 5), [-2, -1, 0, 1, 2])


def test_nondifferentiable_parts_are_constants():
    x = STEPS_X
    srcdiff.check_grad(through_nondifferentiable, x)
    expected = np.floor(x) + 5 * np.eye(5)[np.argmax(x)] + 5 * np.cos(x) * W1[:5]
    np.testing.assert_allclose(srcdiff.grad(through_nondifferentiable)(x), expected, rtol=1e-12)


# A non-differentiable result that is larger than the differentiated operand it multiplies:
# the operand's adjoint must still be summed back over the broadcast axes.
def times_comparison(x, z):
    return np.sum(x * (z > 1.5) * W2[:3, :4])


def times_floor(x, z):
    return np.sum(x * np.floor(z) * W2[:3, :4])


def times_sign(x, z):
    return np.sum(x * np.sign(z - 1.5) * W2[:3, :4])


def times_floor_divide(x, z):
    return np.sum(x * (z // 0.5) * W2[:3, :4])


def times_argmax_keepdims(x, z):
    return np.sum(x * np.argmax(z, axis=1, keepdims=True) * W2[:3, :4])


def times_any_keepdims(x, z):
    return np.sum(x * np.any(z > 2.0, axis=1, keepdims=True) * W2[:3, :4])


NONDIFF_X, NONDIFF_Z = normal(4), away_from(unif(0.1, 2.9, 3, 4), [0.5, 1.0, 1.5, 2.0, 2.5])
BROADCAST_THROUGH_NONDIFF = [(times_comparison, None), (times_floor, SHAPE_CLASS), (times_sign, SHAPE_CLASS),
                             (times_floor_divide, SHAPE_CLASS), (times_argmax_keepdims, SHAPE_CLASS),
                             (times_any_keepdims, SHAPE_CLASS)]


@pytest.mark.parametrize("fun", [pytest.param(f, id=f.__name__, marks=[bug.mark()] if bug else [])
                                 for f, bug in BROADCAST_THROUGH_NONDIFF])
def test_broadcast_against_nondifferentiable(fun):
    srcdiff.check_grad(fun, NONDIFF_X, NONDIFF_Z)


def closure_over(fn):
    def apply(x):
        return np.sum(fn(x))
    return apply


def test_cache_tells_closures_apart():
    x = np.array([0.3, 0.7])
    srcdiff.grad(closure_over(np.sin))(x)
    np.testing.assert_allclose(srcdiff.grad(closure_over(np.cos))(x), -np.sin(x))


def test_rules_are_registered_on_primitives():
    stray = [r.name for r in all_rules() if r.obj.__module__.startswith("srcdiff.rules.") and
             r.obj.__module__ != "srcdiff.rules.kernels"]
    assert not stray, stray
