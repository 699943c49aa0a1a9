"""Every registered reverse-mode derivative rule, checked against central finite differences."""
import itertools
import math
from dataclasses import dataclass

import numpy
import numpy as np
import pytest

import srcdiff
from srcdiff.runtime import helpers as runtime
from srcdiff.rules import all_rules, lookup
from srcdiff.runtime import kernels
from srcdiff.runtime import kernels_einsum as ke
from srcdiff.runtime import kernels_index_joins as ixj
from srcdiff.runtime import kernels_linalg as kl
from srcdiff.runtime import kernels_math as km
from srcdiff.runtime import kernels_shapes
from srcdiff.runtime import kernels_products as kp
from srcdiff.runtime import kernels_reduce as kr
from srcdiff.runtime import kernels_shapes as ks

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
case(kernels_shapes.flatten, flatten_method, normal(4, 6), label="x.flatten()")
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


def r_items(x, y):
    return np.sum(np.r_[x, 0:2, y[0], [4.0, 5.0], y] * np.ravel(W2)[:11])


def r_directive(x, y):
    return np.sum(np.r_["0,2", x, y] * W2[:2, :3])


def r_last_axis(x, y):
    return np.sum(np.r_["-1", x, y] * W2[:2, :5])


def c_columns(x, y):
    return np.sum(np.c_[x, y, 1:4] * W2[:3, :3])


def c_matrices(x, y):
    return np.sum(np.c_[x, y] * W2[:2, :5])


case(ixj.index_join, r_items, normal(3), normal(3), wrt=(0, 1), label="r_,items")
case(ixj.index_join, r_directive, normal(3), normal(3), wrt=(0, 1), label="r_,'0,2'")
case(ixj.index_join, r_last_axis, normal(2, 2), normal(2, 3), wrt=(0, 1), label="r_,'-1'")
case(ixj.index_join, c_columns, normal(3), normal(3), wrt=(0, 1), label="c_,vectors")
case(ixj.index_join, c_matrices, normal(2, 2), normal(2, 3), wrt=(0, 1), label="c_,matrices")

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


def dict_of_dict(x):
    d = {"a": x, "b": x * 2.0}
    e = dict(d)
    e["b"] = np.sin(x)
    return np.sum(e["a"] * d["b"] + e["b"])


case(runtime.dict_copy, dict_of_dict, normal(4), label="e = dict(d); e[k] = v")


def joined_lists(x, y):
    hs = [x]
    for k in range(2):
        hs = hs + [np.sin(hs[-1]) * y]
    parts = hs[:1] + hs[2:]
    return np.sum(parts[0] * parts[1]) + np.sum(hs[1])


case(runtime.join_sequences, joined_lists, normal(4), normal(4), wrt=(0, 1), label="hs = hs + [h]")


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


def runtime_floating(g):
    return np.sum(runtime.floating(g) * W1[:3] + runtime.floating(g * g))


def runtime_popped_adjoint(g):
    return np.sum(runtime.popped_adjoint(g * 2.0, g) * W1[:3]) + np.sum(runtime.popped_adjoint(None, g) * g)


def runtime_detached(g):
    pair = runtime.detached((g * 2.0, [g]))
    return np.sum(pair[0] * pair[1][0] * W1[:3])


def runtime_add(a, b):
    return np.sum(runtime.add(a, b) * W1[:3])


def kernel_matmul_lhs(g, a, b):
    return np.sum(kernels.matmul_lhs(g, a, b) * W2[:3, :4])


def kernel_matmul_rhs(g, a, b):
    return np.sum(kernels.matmul_rhs(g, a, b) * W2[:4, :2])


def kernel_matmul_lhs_vector(g, a, b):
    return np.sum(kernels.matmul_lhs(g, a, b) * W2[:3, :4])


def kernel_matmul_rhs_batched(g, a, b):
    return np.sum(kernels.matmul_rhs(g, a, b) * W1[:4])


# generated gradients of ``a @ b`` call these; gradients of gradients differentiate them
case(kernels.matmul_lhs, kernel_matmul_lhs, normal(3, 2), normal(3, 4), normal(4, 2), wrt=(0, 2),
     label="matmul_lhs(g, a, b) matrices")
case(kernels.matmul_lhs, kernel_matmul_lhs_vector, normal(3), normal(3, 4), normal(4), wrt=(0, 2),
     label="matmul_lhs(g, a, b) matrix @ vector")
case(kernels.matmul_rhs, kernel_matmul_rhs, normal(3, 2), normal(3, 4), normal(4, 2), wrt=(0, 1),
     label="matmul_rhs(g, a, b) matrices")
case(kernels.matmul_rhs, kernel_matmul_rhs_batched, normal(2, 3), normal(2, 3, 4), normal(4), wrt=(0, 1),
     label="matmul_rhs(g, a, b) batch @ vector")
def runtime_total(g):
    return runtime.total(g * W1[:3]) * 1.5 + runtime.total(np.sum(g))


case(runtime.total, runtime_total, normal(3), label="total(array) and total(number)")


def kernel_strong_mul(g, p):
    return np.sum(km.strong_mul(g, p * p) * W2[:2, :3]) + km.strong_mul(np.sum(g), 1.5)


def kernel_strong_div(g, q):
    return np.sum(km.strong_div(g, q * q + 1.0, True) * W2[:2, :3]) + km.strong_div(np.sum(g), 1.5)


case(km.strong_mul, kernel_strong_mul, normal(2, 3), normal(3), wrt=(0, 1), label="strong_mul(g, p) broadcast")
case(km.strong_div, kernel_strong_div, normal(2, 3), normal(3), wrt=(0, 1), label="strong_div(g, q) broadcast")
case(runtime.unbroadcast, runtime_unbroadcast, normal(2, 3), normal(3), label="unbroadcast((2,3) -> (3,))")
case(runtime.broadcast_like, runtime_broadcast_like, normal(3), normal(2, 3), label="broadcast_like((3,), (2,3))")
case(runtime.expand, runtime_expand, normal(2), normal(2, 3), label="expand(g, x, axis=1)")
case(runtime.owned, runtime_owned_snapshot, normal(3), label="owned(g) * snapshot(g)")
case(runtime.snapshot, runtime_owned_snapshot, normal(3), label="snapshot")


def runtime_real_for(g):
    return np.sum(runtime.real_for(np.zeros(3), g * (1.0 + 2.0j)) * W1[:3]) + \
        np.real(np.sum(runtime.real_for(np.zeros(3, complex), g * 1j) * W1[:3]))


case(runtime.real_for, runtime_real_for, normal(3), label="real_for(real target, complex value)")
case(runtime.floating, runtime_floating, normal(3), label="floating(g)")
case(runtime.popped_adjoint, runtime_popped_adjoint, normal(3), label="popped_adjoint(g, like)")
case(runtime.detached, runtime_detached, normal(3), label="detached(tuple of array and list)")
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
              "expm1": -0.4, "fabs": -0.8, "log10": 1.7, "log2": 1.7, "asinh": 0.8, "acosh": 1.9,
              "atanh": 0.3, "degrees": 0.5, "radians": 0.5, "erf": 0.4, "erfc": 0.4}
MATH_UNARY.update({name: 0.6 for name in ("exp2", "cbrt") if hasattr(math, name)})  # Python 3.11+


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


def math_copysign(x, s):
    return math.copysign(x * 1.5, s) * C


case(math.copysign, math_copysign, 0.8, -0.3, wrt=(0, 1), label="math.copysign(x, s)")
case(math.log, math_log_const_base, 2.5, label="math.log(x, 2.0)")
case(math.log, math_log_base, 2.5, 3.0, wrt=(0, 1), label="math.log(x, b)",
     bug=RUNTIME_IF)
case(math.pow, math_pow, 1.7, 2.3, wrt=(0, 1), label="math.pow(x, p)")


def math_atan2(y, x):
    return math.atan2(y * 1.1, x) * C


def math_fmod(x, y):
    return math.fmod(x, y * 1.1) * C


def math_remainder(x, y):
    return math.remainder(x, y * 1.1) * C


def math_ldexp(x):
    return math.ldexp(x * 1.1, 3) * C


case(math.atan2, math_atan2, 0.6, -0.8, wrt=(0, 1), label="math.atan2(y, x)")
case(math.fmod, math_fmod, 2.7, 0.8, wrt=(0, 1), label="math.fmod(x, y)")  # x / y = 3.07: trunc 3
case(math.fmod, math_fmod, -2.7, 0.8, wrt=(0, 1), label="math.fmod(-x, y)")
case(math.remainder, math_remainder, 2.7, 0.8, wrt=(0, 1), label="math.remainder(x, y)")
case(math.remainder, math_remainder, 3.3, 0.8, wrt=(0, 1), label="math.remainder(x, y) rounding up")
case(math.ldexp, math_ldexp, 0.7, label="math.ldexp(x, 3)")


# ============================================================ new primitives (coverage extension)
# Each section below adds cases for primitives registered by the family modules in srcdiff/rules/
# (numpy_arith, numpy_transcendental, numpy_complex, numpy_reductions, numpy_cumulative,
# numpy_shapes, numpy_joins, numpy_selection, numpy_products, linalg_rules, linalg_decompositions,
# fft_rules, scipy_rules). Complex arguments are checked by ``check_grad_complex`` (below).

try:
    import scipy.special as special
except ImportError:  # pragma: no cover
    special = None

ROWS = (1.2, 3.0)  # arccosh's domain
EXTRA_UNARY = {
    np.arcsinh: ANY, np.arccosh: ROWS, np.arctanh: UNIT, np.exp2: ANY, np.cbrt: ANY, np.fabs: ANY,
    np.deg2rad: ANY, np.rad2deg: ANY, np.radians: ANY, np.degrees: ANY, np.conjugate: ANY, np.sinc: (-2.0, 2.0),
    np.real: ANY, np.imag: ANY, np.angle: ANY, np.nan_to_num: ANY,
}
if special is not None:
    EXTRA_UNARY.update({
        special.expit: (-3.0, 3.0), special.log_expit: (-3.0, 3.0), special.logit: (0.1, 0.9),
        special.erf: ANY, special.erfc: ANY, special.erfinv: UNIT, special.ndtr: (-3.0, 3.0),
        special.log_ndtr: (-3.0, 3.0), special.ndtri: (0.1, 0.9), special.gammaln: POS, special.loggamma: POS,
        special.gamma: POS, special.digamma: POS, special.i0: ANY, special.i1: ANY,
    })


def unary_call(fn):
    def unary(x):
        return np.sum(fn(x) * W2[:3, :4])
    return own_code(unary)


for _fn, (_lo, _hi) in EXTRA_UNARY.items():
    _x = unif(_lo, _hi, 3, 4)
    if _fn in (np.cbrt, np.fabs, np.sinc):
        _x = away_from(_x, [0.0, -1.0, 1.0])
    case(_fn, unary_call(_fn), _x, label="%s(3x4)" % _fn.__name__)


def sinc_at_integers(x):
    return np.sum(np.sinc(x) * W1[:5])


def ldexp_call(x):
    return np.sum(np.ldexp(x, np.array([[0, 1, -2, 3]])) * W2[:3, :4])


def nan_to_num_call(x):
    return np.sum(np.nan_to_num(x * 1.0, nan=0.5, posinf=2.0) * W1[:4])


def polygamma_call(x):
    return np.sum(special.polygamma(1, x) * W1[:4])


case(np.sinc, sinc_at_integers, np.array([0.0, 1.0, -2.0, 0.5, 1e-9]), label="at 0 and integers")
case(np.ldexp, ldexp_call, normal(3, 4), label="x * 2 ** [[0, 1, -2, 3]]")
case(np.nan_to_num, nan_to_num_call, np.array([0.3, np.nan, np.inf, -1.2]), label="with nan and inf")
if special is not None:
    case(special.polygamma, polygamma_call, unif(0.5, 2.0, 4), label="n=1")

EXTRA_BINARY = {
    np.logaddexp: (ANY, ANY), np.logaddexp2: (ANY, ANY), np.hypot: (ANY, ANY), np.arctan2: (ANY, ANY),
    np.copysign: (ANY, ANY), np.fmod: ((2.1, 2.9), (1.0, 1.04)), np.fmax: (ANY, ANY), np.fmin: (ANY, ANY),
    np.float_power: (POS, ANY),
}
if special is not None:
    EXTRA_BINARY.update({special.xlogy: (ANY, POS), special.xlog1py: (ANY, POS), special.betaln: (POS, POS)})

for _prim, (_dx, _dy) in EXTRA_BINARY.items():
    for _sx, _sy in BROADCAST:
        _args = (operand(_sx, *_dx), operand(_sy, *_dy))
        if _prim is np.copysign:
            _args = tuple(a if isinstance(a, float) and abs(a) > 0.05 else
                          (away_from(a, [0.0]) if not isinstance(a, float) else 0.5) for a in _args)
        case(_prim, binary_call(_prim, *_args), *_args, wrt=(0, 1),
             label="%s(%s,%s)" % (_prim.__name__, shape_label(_sx), shape_label(_sy)))

# NaN handling and ties of fmax/fmin: the non-NaN operand gets the whole adjoint
FNAN_X, FNAN_Y = np.array([[0.5, np.nan], [0.3, 0.1]]), np.array([[np.nan, 0.4], [0.3, -0.2]])
case(np.fmax, binary_call(np.fmax, FNAN_X, FNAN_Y), FNAN_X, FNAN_Y, wrt=(0, 1), label="nan,ties")
case(np.fmin, binary_call(np.fmin, FNAN_X, FNAN_Y), FNAN_X, FNAN_Y, wrt=(0, 1), label="nan,ties")


def op_float_power_int(x):
    return np.sum(np.float_power(x, 3) * W2[:3, :4])


def op_pow_array_exponent(x, p):
    return np.sum(x ** p * W2[:3, :4])


case(np.float_power, op_float_power_int, normal(3, 4), label="x**3")


# the x-only cdf primitives of the scipy.stats definitions (their shape arguments are refused)
try:
    import scipy.stats  # noqa: F401  (registers them)
    from srcdiff.runtime import kernels_stats as sp
except ImportError:  # pragma: no cover
    sp = None


def stats_cdf_call(fn, *shapes):
    if len(shapes) == 1:
        a, = shapes

        def stats_cdf(z):
            return np.sum(fn(z, a) * W2[:3, :4])
    else:
        a, b = shapes

        def stats_cdf(z):
            return np.sum(fn(z, a, b) * W2[:3, :4])
    return own_code(stats_cdf)


if sp is not None:
    for _fn, _lo, _hi, _shapes in ((sp.t_cdf, -3.0, 3.0, (np.array([2.5, 4.0, 7.0, 30.0]),)),
                                   (sp.gamma_cdf, 0.2, 4.0, (2.5,)), (sp.gamma_sf, 0.2, 4.0, (np.array([[0.7], [1.5], [3.0]]),)),
                                   (sp.beta_cdf, 0.1, 0.9, (2.2, 3.1)), (sp.beta_sf, 0.1, 0.9, (0.8, np.array([1.5, 2.0, 2.5, 4.0])))):
        case(_fn, stats_cdf_call(_fn, *_shapes), unif(_lo, _hi, 3, 4), label="%s(3x4)" % _fn.__name__)
case(np.power, op_pow_array_exponent, unif(0.5, 2.0, 3, 4), np.array([0.0, 1.0, 2.0, 2.5]), wrt=(0, 1),
     label="x**[0,1,2,2.5]")

# ------------------------------------------------------------ complex arguments
# convention (srcdiff/rules/numpy_complex.py): for z = x + iy the gradient is dL/dx - i dL/dy

WC2 = W2 + 0.5j * W2[::-1]


def complex_operand(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


COMPLEX_UNARY = [np.exp, np.log, np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh, np.sqrt, np.square,
                 np.reciprocal, np.arcsin, np.arctan, np.arcsinh, np.expm1, np.log1p, np.absolute, np.real, np.imag,
                 np.conjugate, np.angle, np.negative, np.exp2, np.log2, np.log10, np.arccos, np.arccosh, np.arctanh]


def complex_unary(fn):
    def complex_in(z):
        return np.sum(np.real(fn(z) * WC2[:3, :4]))
    return own_code(complex_in)


for _fn in COMPLEX_UNARY:
    _z = complex_operand(3, 4)
    case(_fn, complex_unary(_fn), _z, label="complex %s" % _fn.__name__)


def complex_binary(fn):
    def complex_pair(z, w):
        return np.sum(np.real(fn(z, w) * WC2[:3, :4]))
    return own_code(complex_pair)


for _fn in (np.add, np.subtract, np.multiply, np.true_divide, np.power):
    _z, _w = complex_operand(3, 4), complex_operand(4)
    case(_fn, complex_binary(_fn), _z, _w, wrt=(0, 1), label="complex %s(3x4,4)" % _fn.__name__)


def complex_abs_squared(z):
    return np.sum(np.abs(z) ** 2)


def complex_real_input(x):
    return np.sum(np.real(np.exp(1j * x) * WC2[:3, :4]))


def complex_attributes(z):
    return np.sum(z.real * W2[:3, :4] - z.imag * W2[:3, :4] ** 2 + np.real(z.conj() * WC2[:3, :4]))


def complex_reductions(z):
    return np.real(np.sum(np.cumsum(z, axis=1) * WC2[:3, :4]) + np.mean(z * z) + np.prod(z[0]))


case(np.absolute, complex_abs_squared, complex_operand(3, 4), label="complex |z|**2")
case(np.exp, complex_real_input, normal(3, 4), label="real x through exp(1j * x)")
case(np.real, complex_attributes, complex_operand(3, 4), label="complex z.real, z.imag, z.conj()")
case(np.cumsum, complex_reductions, complex_operand(3, 4), label="complex cumsum, mean, prod")

# ------------------------------------------------------------ more reductions

X234_NAN = X234.copy()
X234_NAN[0, 1, 2] = X234_NAN[1, 0, 0] = X234_NAN[1, 2, 3] = np.nan
PROD_X_NAN = PROD_X.copy()
PROD_X_NAN[0, 2, 1] = PROD_X_NAN[1, 1, 3] = np.nan
MORE_REDUCTIONS = [np.amax, np.amin, np.ptp, np.median, np.average, np.nansum, np.nanmean, np.nanmax, np.nanmin,
                   np.nanprod, np.nanvar, np.nanstd]
if special is not None:
    MORE_REDUCTIONS.append(special.logsumexp)

for _fn in MORE_REDUCTIONS:
    _variants = reduction_variants(_fn)
    if _fn in (np.nanvar, np.nanstd):
        _variants.update(ddof_variants(_fn))
    _x = X234
    if _fn.__name__.startswith("nan"):
        _x = PROD_X_NAN if _fn is np.nanprod else X234_NAN
    for _label, _f in _variants.items():
        case(_fn, own_code(_f), _x, label="%s(%s)" % (_fn.__name__, _label))


def amax_method_ties(x):
    return np.sum(np.amax(x, axis=1) * W1[:2]) + np.amin(x) * C


def nanmax_ties(x):
    return np.sum(np.nanmax(x, axis=1) * W1[:2])


def ptp_ties(x):
    return np.sum(np.ptp(x, axis=0) * W1[:3])


def median_even(x):
    return np.median(x) * C


def average_weights_axis(x, w):
    return np.sum(np.average(x, axis=1, weights=w) * W2[:2, :4])


def average_weights_full(x, w):
    return np.average(x, weights=w) * C


def average_weights_tuple_keepdims(x, w):
    return np.sum(np.average(x, axis=(0, 2), weights=w, keepdims=True) * W3[:1, :3, :1])


def average_weights_negative_axis(x, w):
    return np.sum(np.average(x, axis=-1, weights=w) * W2[:2, :3])


def logsumexp_weights(a, b):
    return np.sum(special.logsumexp(a, axis=1, b=b) * W2[:2, :4])


def softmax_variant(fn, axis):
    def softmax_axis(x):
        return np.sum(fn(x, axis=axis) * W3[:2, :3, :4])
    return own_code(softmax_axis)


case(np.amax, amax_method_ties, np.array([[0.3, 0.9, 0.9], [0.7, -0.1, 0.7]]), label="ties")
case(np.nanmax, nanmax_ties, np.array([[0.3, np.nan, 0.3], [0.7, -0.1, np.nan]]), label="ties and nan")
case(np.ptp, ptp_ties, np.array([[0.3, 0.9, -0.4], [0.3, 0.1, 0.8]]), label="ties")
case(np.median, median_even, normal(2, 3), label="even count")
case(np.average, average_weights_axis, X234, unif(0.5, 2.0, 3), wrt=(0, 1), label="weights 1-D, axis=1")
case(np.average, average_weights_full, X234, unif(0.5, 2.0, 2, 3, 4), wrt=(0, 1), label="weights, axis=None")
case(np.average, average_weights_tuple_keepdims, X234, unif(0.5, 2.0, 2, 4), wrt=(0, 1),
     label="weights 2-D, axis=(0,2), keepdims")
case(np.average, average_weights_negative_axis, X234, unif(0.5, 2.0, 2, 3, 4), wrt=(0, 1),
     label="weights full shape, axis=-1")
if special is not None:
    case(special.logsumexp, logsumexp_weights, X234, unif(0.5, 2.0, 2, 1, 4), wrt=(0, 1), label="b broadcast")
    for _fn in (special.softmax, special.log_softmax):
        for _axis in (None, 0, -1, (0, 2)):
            case(_fn, softmax_variant(_fn, _axis), X234, label="%s(axis=%s)" % (_fn.__name__, _axis))

# ------------------------------------------------------------ more scans


def cumprod_flat(x):
    return np.sum(np.cumprod(x) * W1[:6])


def cumprod_axis(x):
    return np.sum(np.cumprod(x, axis=1) * W2[:2, :3])


def cumprod_method(x):
    return np.sum(x.cumprod(axis=0) * W2[:2, :3])


def nancumsum_axis(x):
    return np.sum(np.nancumsum(x, axis=1) * W2[:2, :3])


def nancumprod_flat(x):
    return np.sum(np.nancumprod(x) * W1[:6])


def cumulative_sum_1d(x):
    return np.sum(np.cumulative_sum(x) * W1[:5])


def cumulative_sum_axis_initial(x):
    return np.sum(np.cumulative_sum(x, axis=0, include_initial=True) * W2[:3, :3])


def cumulative_prod_1d(x):
    return np.sum(np.cumulative_prod(x) * W1[:5])


def cumulative_prod_axis_initial(x):
    return np.sum(np.cumulative_prod(x, axis=1, include_initial=True) * W2[:2, :4])


CUMPROD_ZEROS = np.array([[0.5, 0.0, 2.0], [0.0, 0.0, -1.5]])
case(np.cumprod, cumprod_flat, unif(0.5, 1.5, 2, 3))
case(np.cumprod, cumprod_axis, unif(-1.5, 1.5, 2, 3))
case(np.cumprod, cumprod_method, unif(-1.5, 1.5, 2, 3))
case(np.cumprod, cumprod_axis, CUMPROD_ZEROS, label="cumprod_axis with zeros")
case(np.cumprod, cumprod_flat, CUMPROD_ZEROS, label="cumprod_flat with zeros")
case(np.nancumsum, nancumsum_axis, np.array([[0.5, np.nan, 2.0], [1.0, -0.3, np.nan]]))
case(np.nancumprod, nancumprod_flat, np.array([[0.5, np.nan, 2.0], [1.0, -0.3, np.nan]]))
if hasattr(np, "cumulative_sum"):  # NumPy >= 2.1
    case(np.cumulative_sum, cumulative_sum_1d, normal(5))
    case(np.cumulative_sum, cumulative_sum_axis_initial, normal(2, 3))
    case(np.cumulative_prod, cumulative_prod_1d, unif(0.5, 1.5, 5))
    case(np.cumulative_prod, cumulative_prod_axis_initial, unif(0.5, 1.5, 2, 3))


def trapezoid_default(y):
    return np.sum(np.trapezoid(y) * W1[:3])


def trapezoid_dx_axis(y, dx):
    return np.sum(np.trapezoid(y, dx=dx, axis=0) * W1[:4])


def trapezoid_x_1d(y, x):
    return np.sum(np.trapezoid(y, x) * W1[:3])


def trapezoid_x_nd_axis(y, x):
    return np.sum(np.trapezoid(y, x=x, axis=0) * W1[:4])


case(np.trapezoid, trapezoid_default, normal(3, 4))
case(np.trapezoid, trapezoid_dx_axis, normal(3, 4), 0.7, wrt=(0, 1), label="dx=<argument>, axis=0")
case(np.trapezoid, trapezoid_x_1d, normal(3, 4), np.cumsum(unif(0.2, 1.0, 4)), wrt=(0, 1), label="x 1-D")
case(np.trapezoid, trapezoid_x_nd_axis, normal(3, 4), np.cumsum(unif(0.2, 1.0, 3, 4), axis=0), wrt=(0, 1),
     label="x 2-D, axis=0")

# ------------------------------------------------------------ more shape changes


def weighted(y):
    """A fixed random array shaped like ``y`` (results of different shapes get different weights)."""
    return weight_like(y)


def shape_case(prim, fn, *args, wrt=0, label=None):
    """A case computing ``sum(fn(*args) * w)`` with ``w`` fixed and shaped like the result."""
    w = weighted(fn(*args))

    def shaped1(x):
        return np.sum(fn(x) * w)

    def shaped2(x, y):
        return np.sum(fn(x, y) * w)

    def shaped3(x, y, z):
        return np.sum(fn(x, y, z) * w)
    shaped = {1: shaped1, 2: shaped2, 3: shaped3}[len(args)]
    case(prim, own_code(shaped), *args, wrt=wrt, label=label or fn.__name__)


def swapaxes_call(x):
    return np.swapaxes(x, 0, 2)


def swapaxes_method(x):
    return x.swapaxes(-1, 1)


def moveaxis_int(x):
    return np.moveaxis(x, 0, -1)


def moveaxis_tuple(x):
    return np.moveaxis(x, (0, 1), (2, 0))


def rollaxis_default(x):
    return np.rollaxis(x, 2)


def rollaxis_start(x):
    return np.rollaxis(x, 0, 2)


def rollaxis_negative(x):
    return np.rollaxis(x, -1, 1)


def permute_dims_call(x):
    return np.permute_dims(x, (1, 2, 0))


def matrix_transpose_call(x):
    return np.matrix_transpose(x)


def linalg_matrix_transpose_call(x):
    return np.linalg.matrix_transpose(x)


def mT_attribute(x):
    return x.mT


def flip_all(x):
    return np.flip(x)


def flip_axis(x):
    return np.flip(x, 1)


def flip_tuple(x):
    return np.flip(x, axis=(0, 2))


def fliplr_call(x):
    return np.fliplr(x)


def flipud_call(x):
    return np.flipud(x)


def rot90_default(x):
    return np.rot90(x)


def rot90_k_axes(x):
    return np.rot90(x, 3, axes=(1, 2))


def rot90_negative_k(x):
    return np.rot90(x, -1)


def roll_flat(x):
    return np.roll(x, 5)


def roll_axis(x):
    return np.roll(x, -1, axis=1)


def roll_tuple(x):
    return np.roll(x, (1, 2), axis=(0, 2))


def broadcast_to_call(x):
    return np.broadcast_to(x, (2, 3, 4))


def broadcast_to_scalar(a):
    return np.broadcast_to(a * 2.0, (3,))


def atleast_1d_float(a):
    return np.atleast_1d(a * a)


def atleast_2d_vector(x):
    return np.atleast_2d(x)


def atleast_3d_matrix(x):
    return np.atleast_3d(x)


def asanyarray_call(x):
    return np.asanyarray(x)


def asfortranarray_call(x):
    return np.asfortranarray(x)


for _fn in (swapaxes_call, swapaxes_method):
    shape_case(np.swapaxes, _fn, normal(2, 3, 4))
for _fn in (moveaxis_int, moveaxis_tuple):
    shape_case(np.moveaxis, _fn, normal(2, 3, 4))
for _fn in (rollaxis_default, rollaxis_start, rollaxis_negative):
    shape_case(np.rollaxis, _fn, normal(2, 3, 4))
shape_case(np.permute_dims, permute_dims_call, normal(2, 3, 4))
shape_case(np.matrix_transpose, matrix_transpose_call, normal(2, 3, 4))
shape_case(np.matrix_transpose, mT_attribute, normal(2, 3, 4), label="x.mT")
shape_case(np.linalg.matrix_transpose, linalg_matrix_transpose_call, normal(3, 4))
for _fn in (flip_all, flip_axis, flip_tuple):
    shape_case(np.flip, _fn, normal(2, 3, 4))
shape_case(np.fliplr, fliplr_call, normal(3, 4))
shape_case(np.flipud, flipud_call, normal(3, 4))
for _fn in (rot90_default, rot90_k_axes, rot90_negative_k):
    shape_case(np.rot90, _fn, normal(2, 3, 4))
for _fn in (roll_flat, roll_axis, roll_tuple):
    shape_case(np.roll, _fn, normal(2, 3, 4))
shape_case(np.broadcast_to, broadcast_to_call, normal(3, 1), label="(3,1) -> (2,3,4)")
shape_case(np.broadcast_to, broadcast_to_scalar, 0.7, label="float -> (3,)")
shape_case(np.atleast_1d, atleast_1d_float, -0.4)
shape_case(np.atleast_2d, atleast_2d_vector, normal(4))
shape_case(np.atleast_3d, atleast_3d_matrix, normal(3, 4))
shape_case(np.asanyarray, asanyarray_call, normal(3, 4))
shape_case(np.asfortranarray, asfortranarray_call, normal(3, 4))


def broadcast_arrays_pair(x, y):
    a, b = np.broadcast_arrays(x, y)
    return np.sum(a * W2[:3, :4]) + np.sum(b * W2[:3, :4] ** 2)


def broadcast_arrays_indexed(x, y):
    res = np.broadcast_arrays(x, y)
    return np.sum(res[0] * res[0] * W2[:3, :4]) + np.sum(res[1])


def atleast_2d_indexed(x, y):
    res = np.atleast_2d(x, y)
    return np.sum(res[1] * res[1] * W2[:3, :4]) + np.sum(res[0])


def atleast_1d_many(x, a):
    u, v = np.atleast_1d(x, a)
    return np.sum(u * W1[:4]) + np.sum(v * C)


def atleast_2d_many(x, y):
    u, v = np.atleast_2d(x, y)
    return np.sum(u * W2[:1, :4]) + np.sum(v * W2[:3, :4])


case(np.broadcast_arrays, broadcast_arrays_pair, normal(3, 1), normal(4), wrt=(0, 1))
case(np.broadcast_arrays, broadcast_arrays_indexed, normal(3, 1), normal(4), wrt=(0, 1),
     label="result indexed, one only summed")
case(np.atleast_2d, atleast_2d_indexed, normal(4), normal(3, 4), wrt=(0, 1), label="result indexed, one only summed")
case(np.atleast_1d, atleast_1d_many, normal(4), 0.3, wrt=(0, 1), label="two arguments")
case(np.atleast_2d, atleast_2d_many, normal(4), normal(3, 4), wrt=(0, 1), label="two arguments")

# ------------------------------------------------ filled and spaced constructors
# full/full_like differentiate through the fill value only; linspace, logspace and geomspace through
# their endpoints (and logspace's base). An integer dtype truncates: that part's derivative is 0.


def full_scalar(s):
    return np.full(3, s)


def full_tuple_shape(s):
    return np.full((2, 3), s, order="F")


def full_array_fill(f):
    return np.full((2, 3, 4), f)


def full_row_fill(f):
    return np.full((3, 4), f)


def full_dtype(s):
    return np.full((2, 2), s, dtype=np.float64)


def full_int_dtype(s):
    return np.full(3, s, dtype=int) + np.full(3, s)


def full_written(s, v):
    x = np.full(4, s)
    x[1] = v
    return x * x


def full_like_call(x, s):
    return np.full_like(x, s) * x


def full_like_row(x, f):
    return np.full_like(x, f)


def full_like_int_array(s):
    return np.full_like(np.arange(3), s) + np.full_like(np.ones(3), s)


def full_like_shape_dtype(s):
    return np.full_like(X234, s, dtype=float, shape=(2, 5))


def full_complex(z):
    return np.real(np.sum(np.full((3, 4), z) * WC2[:3, :4]))


shape_case(np.full, full_scalar, 0.8, label="scalar fill")
shape_case(np.full, full_tuple_shape, -1.3, label="tuple shape, order")
shape_case(np.full, full_array_fill, normal(3, 1), label="(3,1) fill -> (2,3,4)")
shape_case(np.full, full_row_fill, normal(4), label="(4,) fill -> (3,4)")
shape_case(np.full, full_dtype, 0.4, label="dtype=np.float64")
shape_case(np.full, full_int_dtype, 0.3, label="dtype=int")
shape_case(np.full, full_written, 0.6, -0.7, wrt=(0, 1), label="written into")
case(np.full, full_complex, complex_operand(4), label="complex fill")
shape_case(np.full_like, full_like_call, normal(3, 4), 0.7, wrt=(0, 1), label="a active too")
shape_case(np.full_like, full_like_row, normal(3, 4), normal(4), wrt=1, label="(4,) fill")
shape_case(np.full_like, full_like_int_array, 0.3, label="integer a")
shape_case(np.full_like, full_like_shape_dtype, 0.9, label="shape, dtype=float")


def linspace_default(a, b):
    return np.linspace(a, b)


def linspace_no_endpoint(a, b):
    return np.linspace(a, b, 5, endpoint=False)


def linspace_one(a, b):
    return np.linspace(a, b, 1)


def linspace_one_no_endpoint(a, b):
    return np.linspace(a, b, num=1, endpoint=False)


def linspace_two(a, b):
    return np.linspace(a, b, 2)


def linspace_arrays(a, b):
    return np.linspace(a, b, 4)


def linspace_arrays_axis(a, b):
    return np.linspace(a, b, 4, axis=1)


def linspace_broadcast_last_axis(a, b):
    return np.linspace(a, b, 3, False, axis=-1)


def linspace_constant_start(b):
    return np.linspace(np.array([0.5, -1.0]), b, 4)


def linspace_retstep_false(a, b):
    return np.linspace(a, b, 4, retstep=False, dtype=float)


def linspace_int_dtype(a, b):
    return np.linspace(a, b, 4, dtype=int) + np.linspace(a, b, 4)


def linspace_complex(a, b):
    return np.real(np.sum(np.linspace(a, b, 4) * WC2[:4, :3]))


shape_case(np.linspace, linspace_default, 0.3, 1.7, wrt=(0, 1), label="num=50")
shape_case(np.linspace, linspace_no_endpoint, -0.4, 2.2, wrt=(0, 1), label="endpoint=False")
shape_case(np.linspace, linspace_one, 0.3, 1.7, wrt=(0, 1), label="num=1")
shape_case(np.linspace, linspace_one_no_endpoint, 0.3, 1.7, wrt=(0, 1), label="num=1, endpoint=False")
shape_case(np.linspace, linspace_two, 0.3, 1.7, wrt=(0, 1), label="num=2")
shape_case(np.linspace, linspace_arrays, normal(3), normal(3), wrt=(0, 1), label="(3,) endpoints")
shape_case(np.linspace, linspace_arrays_axis, normal(2, 3), normal(3), wrt=(0, 1),
           label="(2,3), (3,) endpoints, axis=1")
shape_case(np.linspace, linspace_broadcast_last_axis, normal(2, 1), normal(3), wrt=(0, 1),
           label="(2,1), (3,) endpoints, axis=-1")
shape_case(np.linspace, linspace_broadcast_last_axis, 0.2, normal(3), wrt=(0, 1), label="float, (3,) endpoints")
shape_case(np.linspace, linspace_constant_start, normal(2), label="constant array start")
shape_case(np.linspace, linspace_retstep_false, 0.3, 1.7, wrt=(0, 1), label="retstep=False, dtype=float")
shape_case(np.linspace, linspace_int_dtype, 0.3, 5.9, wrt=(0, 1), label="dtype=int")
case(np.linspace, linspace_complex, complex_operand(3), complex_operand(3), wrt=(0, 1), label="complex endpoints")


def logspace_default(a, b):
    return np.logspace(a, b)


def logspace_base2(a, b):
    return np.logspace(a, b, 5, endpoint=False, base=2.0)


def logspace_one(a, b):
    return np.logspace(a, b, 1)


def logspace_arrays_axis(a, b):
    return np.logspace(a, b, 4, axis=-1)


def logspace_variable_base(a, b, c):
    return np.logspace(a, b, 4, base=c)


def logspace_array_base(a, b, c):
    return np.logspace(a, b, 3, base=c)


def logspace_array_base_axis(a, b, c):
    return np.logspace(a, b, 3, True, c, axis=1)


def logspace_int_dtype(a, b):
    return np.logspace(a, b, 3, dtype=int) + np.logspace(a, b, 3, dtype=float)


shape_case(np.logspace, logspace_default, -0.3, 0.4, wrt=(0, 1), label="num=50")
shape_case(np.logspace, logspace_base2, 0.3, 1.7, wrt=(0, 1), label="base=2.0, endpoint=False")
shape_case(np.logspace, logspace_one, 0.3, 1.7, wrt=(0, 1), label="num=1")
shape_case(np.logspace, logspace_arrays_axis, unif(-0.5, 0.5, 2, 1), unif(-0.5, 0.5, 3), wrt=(0, 1),
           label="(2,1), (3,) endpoints, axis=-1")
shape_case(np.logspace, logspace_variable_base, 0.3, 1.2, 2.5, wrt=(0, 1, 2), label="base a variable")
shape_case(np.logspace, logspace_array_base, 0.3, normal(2, 1), unif(1.5, 3.0, 3), wrt=(0, 1, 2),
           label="(3,) base")
shape_case(np.logspace, logspace_array_base_axis, 0.3, 0.9, unif(1.5, 3.0, 2), wrt=(0, 1, 2),
           label="(2,) base, axis=1")
shape_case(np.logspace, logspace_int_dtype, 0.3, 1.1, wrt=(0, 1), label="dtype=int")


def geomspace_default(a, b):
    return np.geomspace(a, b)


def geomspace_negative(a, b):
    return np.geomspace(a, b, 4, endpoint=False)


def geomspace_one(a, b):
    return np.geomspace(a, b, 1)


def geomspace_arrays_axis(a, b):
    return np.geomspace(a, b, 4, axis=1)


def geomspace_constant_start(b):
    return np.geomspace(np.array([0.5, 2.0]), b, 3)


def geomspace_int_dtype(a, b):
    return np.geomspace(a, b, 4, dtype=int) + np.geomspace(a, b, 4, dtype=np.float64)


def geomspace_complex(a, b):
    return np.real(np.sum(np.geomspace(a, b, 4) * WC2[:4, 0]))


shape_case(np.geomspace, geomspace_default, 0.5, 3.0, wrt=(0, 1), label="num=50")
shape_case(np.geomspace, geomspace_negative, -0.5, -3.0, wrt=(0, 1), label="negative, endpoint=False")
shape_case(np.geomspace, geomspace_one, 0.5, 3.0, wrt=(0, 1), label="num=1")
shape_case(np.geomspace, geomspace_arrays_axis, unif(0.5, 2.0, 2, 3), unif(0.5, 2.0, 3), wrt=(0, 1),
           label="(2,3), (3,) endpoints, axis=1")
shape_case(np.geomspace, geomspace_constant_start, unif(0.5, 2.0, 2), label="constant array start")
shape_case(np.geomspace, geomspace_int_dtype, 1.3, 7.7, wrt=(0, 1), label="dtype=int")
case(np.geomspace, geomspace_complex, 1.0 + 0.5j, 2.0 - 1.0j, wrt=(0, 1), label="complex endpoints")


def sum_of_full_times(s, c):
    return np.sum(np.full(3, s) * c)


def test_full_fill_value_gradient():
    """The gradient of sum(full(3, s) * c) with respect to s is sum(c), in both modes (it was 0)."""
    c = np.array([0.5, -2.0, 4.0])
    assert srcdiff.grad(sum_of_full_times)(0.8, c) == pytest.approx(np.sum(c), rel=1e-12)
    assert srcdiff.grad(sum_of_full_times, mode="forward")(0.8, c) == pytest.approx(np.sum(c), rel=1e-12)
    value, tangent = srcdiff.jvp(sum_of_full_times, (0.8, c), 1.0)
    assert value == pytest.approx(0.8 * np.sum(c)) and tangent == pytest.approx(np.sum(c), rel=1e-12)


def linspace_with_step(a, b):
    y, step = np.linspace(a, b, 4, retstep=True)
    return np.sum(y) * step


def linspace_variable_retstep(a, b, flag):
    return np.sum(np.linspace(a, b, 4, retstep=flag))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_linspace_retstep_is_refused(mode):
    with pytest.raises(srcdiff.NonDifferentiableError, match=r"retstep=False; got retstep=True") as info:
        srcdiff.grad(linspace_with_step, mode=mode)(0.3, 1.7)
    assert "test_rules.py" in str(info.value) and "(stop - start) / (num - 1)" in str(info.value)
    with pytest.raises(srcdiff.NonDifferentiableError, match=r"got retstep=a variable"):
        srcdiff.grad(linspace_variable_retstep, mode=mode)(0.3, 1.7, False)


# ------------------------------------------------------------ joins, splits, tiles, pads


def concat_call(x, y):
    return np.concat([x, y], axis=1)


def hstack_vectors(x, y):
    return np.hstack([x, y])


def hstack_matrices(x, y):
    return np.hstack((x, y))


def vstack_vectors(x, y):
    return np.vstack([x, y])


def vstack_mixed(x, y):
    return np.vstack([x, y])


def dstack_call(x, y):
    return np.dstack([x, y])


def column_stack_call(x, y):
    return np.column_stack([x, y])


def append_flat(x, y):
    return np.append(x, y)


def append_axis(x, y):
    return np.append(x, y, axis=0)


shape_case(np.concat, concat_call, normal(3, 2), normal(3, 4), wrt=(0, 1))
shape_case(np.hstack, hstack_vectors, normal(3), normal(4), wrt=(0, 1))
shape_case(np.hstack, hstack_matrices, normal(3, 2), normal(3, 4), wrt=(0, 1))
shape_case(np.vstack, vstack_vectors, normal(4), normal(4), wrt=(0, 1))
shape_case(np.vstack, vstack_mixed, normal(4), normal(2, 4), wrt=(0, 1))
shape_case(np.dstack, dstack_call, normal(3, 4), normal(3, 4, 2), wrt=(0, 1))
shape_case(np.column_stack, column_stack_call, normal(3), normal(3, 2), wrt=(0, 1))
shape_case(np.append, append_flat, normal(2, 3), normal(4), wrt=(0, 1))
shape_case(np.append, append_axis, normal(2, 3), normal(1, 3), wrt=(0, 1))


def split_sections(x):
    a, b, c = np.split(x, 3, axis=1)
    return np.sum(a * W2[:4, :2]) + np.sum(c * b * W2[:4, 2:4])


def split_indices(x):
    a, b = np.split(x, [1])
    return np.sum(a * W2[:1, :6]) + np.sum(b * W2[:3, :6] ** 2)


def split_unused_piece(x):
    a, b = np.split(x, 2)
    return np.sum(b * W2[:2, :6])


def split_result_indexed(x):
    parts = np.split(x, 3)
    return np.sum(parts[0] * parts[1]) + np.sum(parts[2])


def array_split_uneven(x):
    a, b, c, d = np.array_split(x, 4, axis=1)
    return np.sum(a * W2[:4, :2]) + np.sum(b * c * d * W2[:4, :1])


def hsplit_call(x):
    a, b = np.hsplit(x, 2)
    return np.sum(a * b * W2[:4, :3])


def vsplit_call(x):
    a, b = np.vsplit(x, [3])
    return np.sum(a * W2[:3, :6]) + np.sum(b * C)


def dsplit_call(x):
    a, b = np.dsplit(x, 2)
    return np.sum(a * W3[:2, :3, :2] + b * b)


def unstack_call(x):
    a, b = np.unstack(x)
    return np.sum(a * W2[:3, :4]) + np.sum(b * a)


def unstack_axis(x):
    rows = np.unstack(x, axis=1)
    return np.sum(rows[0] * rows[2] * W2[:2, :4])


case(np.split, split_sections, normal(4, 6), label="3 sections, axis=1")
case(np.split, split_indices, normal(4, 6), label="at [1]")
case(np.split, split_unused_piece, normal(4, 6), label="one piece unused")
case(np.split, split_result_indexed, normal(6), label="result indexed, a piece only summed")
case(np.array_split, array_split_uneven, normal(4, 6), label="4 uneven pieces")
case(np.hsplit, hsplit_call, normal(4, 6))
case(np.vsplit, vsplit_call, normal(4, 6))
case(np.dsplit, dsplit_call, normal(2, 3, 4))
if hasattr(np, "unstack"):  # NumPy >= 2.1
    case(np.unstack, unstack_call, normal(2, 3, 4))
    case(np.unstack, unstack_axis, normal(2, 3, 4), label="axis=1, result indexed")


def tile_int(x):
    return np.tile(x, 3)


def tile_tuple(x):
    return np.tile(x, (2, 1, 2))


def repeat_flat(x):
    return np.repeat(x, 2)


def repeat_axis_counts(x):
    return np.repeat(x, [1, 0, 3], axis=0)


def repeat_method(x):
    return x.repeat(2, axis=-1)


def pad_constant(x):
    return np.pad(x, 2)


def pad_widths(x):
    return np.pad(x, ((1, 0), (2, 3)))


def pad_edge(x):
    return np.pad(x, ((2, 1), (1, 3)), mode="edge")


def pad_reflect(x):
    return np.pad(x, 2, mode="reflect")


def pad_symmetric(x):
    return np.pad(x, ((1, 2), (3, 1)), "symmetric")


def pad_wrap(x):
    return np.pad(x, 3, mode="wrap")


for _fn in (tile_int, tile_tuple):
    shape_case(np.tile, _fn, normal(3, 4))
for _fn in (repeat_flat, repeat_axis_counts, repeat_method):
    shape_case(np.repeat, _fn, normal(3, 4))
for _fn in (pad_constant, pad_widths, pad_edge, pad_reflect, pad_symmetric, pad_wrap):
    shape_case(np.pad, _fn, normal(3, 4))

# ------------------------------------------------------------ selections


IDX = np.array([2, 0, 2, 1])  # a repeated index: its adjoints add up


def take_flat(x):
    return np.take(x, [5, 0, 5, 11])


def take_axis(x):
    return np.take(x, IDX, axis=1)


def take_wrap(x):
    return np.take(x, [7, -1, 3], axis=1, mode="wrap")


def take_clip(x):
    return np.take(x, [[0, 9], [3, 3]], mode="clip")


def take_method(x):
    return x.take(IDX, axis=0)


def take_along_axis_sorted(x):
    return np.take_along_axis(x, np.argsort(x, axis=1), axis=1)


def take_along_axis_repeats(x):
    return np.take_along_axis(x, np.array([[0, 0, 3], [1, 1, 1], [2, 0, 2]]), axis=1)


def take_along_axis_flat(x):
    return np.take_along_axis(x, np.array([11, 0, 0, 4]), axis=None)


def compress_axis(x):
    return np.compress([True, False, True], x, axis=0)


def compress_flat(x):
    return np.compress([False, True, True, False, True], x)


def compress_method(x):
    return x.compress([False, True, True, True], axis=1)


def extract_call(x):
    return np.extract(x > 0.0, x)


def select_call(x, y):
    return np.select([x > 0.5, x < -0.5], [x * x, y], default=x)


def select_default_constant(x, y):
    return np.select([x > 0.0], [y])


def choose_call(x, y, z):
    return np.choose(np.array([[0, 1, 2, 1], [2, 2, 0, 0], [1, 0, 0, 2]]), [x, y, z])


def choose_method(x, y):
    return np.array([0, 1, 1, 0]).choose([x, y])


def triu_call(x):
    return np.triu(x)


def triu_k(x):
    return np.triu(x, k=-1)


def tril_batched(x):
    return np.tril(x, 1)


def diagonal_default(x):
    return np.diagonal(x)


def diagonal_offset_axes(x):
    return np.diagonal(x, offset=-1, axis1=2, axis2=0)


def diagonal_method(x):
    return x.diagonal(1)


def linalg_diagonal_call(x):
    return np.linalg.diagonal(x, offset=1)


def diagflat_call(x):
    return np.diagflat(x, 1)


def sort_last(x):
    return np.sort(x)


def sort_axis0(x):
    return np.sort(x, axis=0)


def sort_flat(x):
    return np.sort(x, axis=None)


def partition_call(x):
    return np.partition(x, 2, axis=1)


def partition_flat(x):
    return np.partition(x, (1, 4), axis=None)


for _fn in (take_flat, take_axis, take_wrap, take_clip, take_method):
    shape_case(np.take, _fn, normal(3, 4))
for _fn in (take_along_axis_sorted, take_along_axis_repeats, take_along_axis_flat):
    shape_case(np.take_along_axis, _fn, normal(3, 4))
for _fn in (compress_axis, compress_flat, compress_method):
    shape_case(np.compress, _fn, normal(3, 4))
shape_case(np.extract, extract_call, away_from(normal(3, 4), [0.0]))
SEL_X = away_from(normal(3, 4), [-0.5, 0.5])
shape_case(np.select, select_call, SEL_X, normal(4), wrt=(0, 1))
shape_case(np.select, select_default_constant, SEL_X, normal(3, 4), wrt=1)
shape_case(np.choose, choose_call, normal(3, 4), normal(4), normal(3, 1), wrt=(0, 1, 2))
shape_case(np.choose, choose_method, normal(4), normal(3, 4), wrt=(0, 1))
shape_case(np.triu, triu_call, normal(3, 4))
shape_case(np.triu, triu_k, normal(4, 3))
shape_case(np.tril, tril_batched, normal(2, 3, 3))
for _fn in (diagonal_default, diagonal_offset_axes, diagonal_method):
    shape_case(np.diagonal, _fn, normal(3, 4, 3))
shape_case(np.linalg.diagonal, linalg_diagonal_call, normal(2, 3, 4))
shape_case(np.diagflat, diagflat_call, normal(2, 2))
for _fn in (sort_last, sort_axis0, sort_flat):
    shape_case(np.sort, _fn, normal(3, 4))
shape_case(np.partition, partition_call, normal(3, 5))
shape_case(np.partition, partition_flat, normal(3, 4))

# ------------------------------------------------------------ more products


def vdot_call(a, b):
    return np.vdot(a, b)


def cross_3(a, b):
    return np.cross(a, b)


def cross_axes(a, b):
    return np.cross(a, b, axisa=0, axisb=-1, axisc=0)


def cross_axis(a, b):
    return np.cross(a, b, axis=0)


def linalg_cross_call(a, b):
    return np.linalg.cross(a, b)


def kron_call(a, b):
    return np.kron(a, b)


def vecdot_call(a, b):
    return np.vecdot(a, b)


def vecdot_axis(a, b):
    return np.vecdot(a, b, axis=0)


def linalg_vecdot_call(a, b):
    return np.linalg.vecdot(a, b)


def matvec_call(a, b):
    return np.matvec(a, b)


def vecmat_call(a, b):
    return np.vecmat(a, b)


def linalg_outer_call(a, b):
    return np.linalg.outer(a, b)


def linalg_matmul_call(a, b):
    return np.linalg.matmul(a, b)


def linalg_tensordot_call(a, b):
    return np.linalg.tensordot(a, b, axes=1)


def polyval_call(p, x):
    return np.polyval(p, x)


def vander_default(x):
    return np.vander(x)


def vander_increasing(x):
    return np.vander(x, 5, increasing=True)


shape_case(np.vdot, vdot_call, normal(3, 4), normal(12), wrt=(0, 1))
shape_case(np.cross, cross_3, normal(4, 3), normal(3), wrt=(0, 1), label="3-vectors, broadcast")
shape_case(np.cross, cross_axes, normal(3, 4), normal(4, 3), wrt=(0, 1), label="axisa=0, axisc=0")
shape_case(np.cross, cross_axis, normal(3, 2), normal(3, 1), wrt=(0, 1), label="axis=0")
shape_case(np.linalg.cross, linalg_cross_call, normal(2, 3), normal(3), wrt=(0, 1))
for _sa, _sb in [((3,), (4,)), ((2, 3), (3, 2)), ((3,), (2, 2)), ((2, 1, 2), (3, 2))]:
    shape_case(np.kron, kron_call, normal(*_sa), normal(*_sb), wrt=(0, 1), label="kron(%s)" % shapes_label(_sa, _sb))
shape_case(np.vecdot, vecdot_call, normal(3, 4), normal(4), wrt=(0, 1))
shape_case(np.vecdot, vecdot_axis, normal(3, 4), normal(3, 1), wrt=(0, 1))
shape_case(np.linalg.vecdot, linalg_vecdot_call, normal(2, 3, 4), normal(3, 4), wrt=(0, 1))
if hasattr(np, "matvec"):  # NumPy >= 2.2
    shape_case(np.matvec, matvec_call, normal(2, 3, 4), normal(4), wrt=(0, 1))
    shape_case(np.vecmat, vecmat_call, normal(3), normal(2, 3, 4), wrt=(0, 1))
shape_case(np.linalg.outer, linalg_outer_call, normal(3), normal(4), wrt=(0, 1))
shape_case(np.linalg.matmul, linalg_matmul_call, normal(2, 3, 4), normal(4, 2), wrt=(0, 1))
shape_case(np.linalg.tensordot, linalg_tensordot_call, normal(2, 3), normal(3, 4), wrt=(0, 1))
shape_case(np.polyval, polyval_call, normal(4), normal(3, 2), wrt=(0, 1))
shape_case(np.vander, vander_default, normal(4))
shape_case(np.vander, vander_increasing, normal(3))


def convolve_case(mode):
    def convolve_mode(a, v):
        return np.convolve(a, v, mode)
    return own_code(convolve_mode)


def correlate_case(mode):
    def correlate_mode(a, v):
        return np.correlate(a, v, mode)
    return own_code(correlate_mode)


for _mode in ("full", "same", "valid"):
    for _na, _nv in ((5, 3), (2, 5), (4, 4)):
        _lab = "%s,%d,%d" % (_mode, _na, _nv)
        shape_case(np.convolve, convolve_case(_mode), normal(_na), normal(_nv), wrt=(0, 1), label=_lab)
        shape_case(np.correlate, correlate_case(_mode), normal(_na), normal(_nv), wrt=(0, 1), label=_lab)



def complex_product(f, a, b):
    w = complex_operand(*np.shape(f(a, b)))

    def complex_pair_product(a, b):
        return np.real(np.sum(f(a, b) * w))
    return own_code(complex_pair_product)


# complex products: conjugating operands conjugate their adjoints
COMPLEX_PRODUCTS = [(np.vdot, vdot_call, (3,), (3,)), (np.vecdot, vecdot_call, (2, 3), (3,)),
                    (np.matmul, linalg_matmul_call, (2, 3), (3, 2)), (np.correlate, correlate_case("same"), (4,), (3,)),
                    (np.kron, kron_call, (2,), (3,))]
if hasattr(np, "vecmat"):
    COMPLEX_PRODUCTS.append((np.vecmat, vecmat_call, (3,), (3, 2)))
for _prim, _f, _sa, _sb in COMPLEX_PRODUCTS:
    _a, _b = complex_operand(*_sa), complex_operand(*_sb)
    case(_prim, complex_product(_f, _a, _b), _a, _b, wrt=(0, 1), label="complex %s" % _f.__name__)

# ------------------------------------------------------------ more linalg


def slogdet_logabs(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.sum(logabs * W1[:2]) if np.ndim(logabs) else logabs * C


def slogdet_both(a):
    sign, logabs = np.linalg.slogdet(a)
    return np.real(sign) * logabs * C


def pinv_call(a):
    return np.sum(np.linalg.pinv(a) * W3[:2, :4, :3]) if np.ndim(a) == 3 else np.sum(np.linalg.pinv(a) * W2[:4, :3])


def matrix_power_case(n):
    def matrix_power_n(a):
        return np.sum(np.linalg.matrix_power(a, n) * W2[:3, :3])
    return own_code(matrix_power_n)


def matrix_power_batched(a):
    return np.sum(np.linalg.matrix_power(a, 2) * W3[:2, :3, :3])


def multi_dot_matrices(a, b, c):
    return np.sum(np.linalg.multi_dot([a, b, c]) * W2[:2, :4])


def multi_dot_vectors(a, b, c):
    return np.linalg.multi_dot([a, b, c]) * C


NEG_DET = matrix() @ np.diag([1.0, -1.0, 1.0])
case(np.linalg.slogdet, slogdet_logabs, matrix(), label="3x3")
case(np.linalg.slogdet, slogdet_logabs, NEG_DET, label="negative det")
case(np.linalg.slogdet, slogdet_logabs, matrix(2), label="batched")
case(np.linalg.slogdet, slogdet_both, NEG_DET, label="sign and log|det|")
case(np.linalg.slogdet, slogdet_both, matrix() + 0.3j * normal(3, 3), label="complex, sign and log|det|")
case(np.linalg.pinv, pinv_call, normal(3, 4), label="wide")
case(np.linalg.pinv, pinv_call, normal(2, 3, 4), label="batched")
for _n in (0, 1, 3, -2):
    case(np.linalg.matrix_power, matrix_power_case(_n), matrix(), label="n=%d" % _n)
case(np.linalg.matrix_power, matrix_power_batched, matrix(2), label="batched")
case(np.linalg.multi_dot, multi_dot_matrices, normal(2, 3), normal(3, 5), normal(5, 4), wrt=(0, 1, 2),
     label="matrices")
case(np.linalg.multi_dot, multi_dot_vectors, normal(3), normal(3, 4), normal(4), wrt=(0, 1, 2), label="vectors")


def pinv_tall(a):
    return np.sum(np.linalg.pinv(a) * W2[:3, :5])


def cholesky_lower(a):
    return np.sum(np.linalg.cholesky(a) * W2[:3, :3])


def cholesky_upper(a):
    return np.sum(np.linalg.cholesky(a, upper=True) * W3[:2, :3, :3])


def qr_reduced(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * W2[:4, :3]) + np.sum(r * W2[4:7, :3])


def qr_r_only(a):
    return np.sum(np.linalg.qr(a, mode="r") * W2[:3, :3])


def qr_batched(a):
    q, r = np.linalg.qr(a)
    return np.sum(q * W3[:2, :3, :3]) + np.sum(r ** 2)


def eigh_both(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * W1[:3]) + np.sum(v ** 2 * W2[:3, :3])


def eigh_upper_vectors(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum((v * v) @ W2[:3, :3] * w)


def eigvalsh_call(a):
    return np.sum(np.linalg.eigvalsh(a) * W1[:3])


def eigvalsh_batched_upper(a):
    return np.sum(np.linalg.eigvalsh(a, UPLO="U") * W2[:2, :3])


def svd_thin(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum((u * s) @ vh * W2[:4, :3]) + np.sum(s * W1[:3]) + np.sum(u ** 2 * W2[:4, :3]) + \
        np.sum(vh ** 2 * W2[:3, :3])


def svd_square(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u ** 2 * W2[:3, :3]) + np.sum(s ** 2) + np.sum(vh ** 2 * W2[3:6, :3])


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) * W1[:3])


def svd_wide_full_values_only(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(s * W1[:3])


def svdvals_call(a):
    return np.sum(np.linalg.svdvals(a) * W2[:2, :3])


def lstsq_solution(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x * W1[:3])


def lstsq_everything(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x * W2[:3, :2]) + np.sum(res * W1[:2]) + np.sum(s * W1[2:5])


def lstsq_wide(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x * W1[:5])


SPD = matrix() @ matrix().T
SPD2 = np.stack([matrix() @ matrix().T, matrix() @ matrix().T])
SYM = normal(3, 3) + np.diag([0.0, 2.0, 4.0])
SYM2 = np.stack([normal(3, 3) + np.diag([0.0, 2.0, 4.0]) for _ in range(2)])
TALL = normal(4, 3) + np.vstack([np.eye(3), np.zeros((1, 3))])
case(np.linalg.pinv, pinv_tall, normal(5, 3), label="tall")
case(np.linalg.cholesky, cholesky_lower, SPD, label="lower")
case(np.linalg.cholesky, cholesky_upper, SPD2, label="upper, batched")
case(np.linalg.qr, qr_reduced, TALL, label="reduced, tall")
case(np.linalg.qr, qr_r_only, TALL, label="mode='r'")
case(np.linalg.qr, qr_batched, matrix(2), label="batched")
case(np.linalg.eigh, eigh_both, SYM, label="w and v**2")
case(np.linalg.eigh, eigh_upper_vectors, SYM, label="UPLO='U'")
case(np.linalg.eigvalsh, eigvalsh_call, SYM)
case(np.linalg.eigvalsh, eigvalsh_batched_upper, SYM2, label="batched, UPLO='U'")
case(np.linalg.svd, svd_thin, TALL, label="full_matrices=False")
case(np.linalg.svd, svd_square, matrix(), label="square")
case(np.linalg.svd, svd_values, normal(3, 5), label="compute_uv=False")
case(np.linalg.svd, svd_wide_full_values_only, normal(3, 5), label="full_matrices=True, s only")
case(np.linalg.svdvals, svdvals_call, normal(2, 3, 4), label="batched")
case(np.linalg.lstsq, lstsq_solution, TALL, normal(4), wrt=(0, 1), label="b vector")
case(np.linalg.lstsq, lstsq_everything, TALL, normal(4, 2), wrt=(0, 1), label="x, residuals, s")
case(np.linalg.lstsq, lstsq_wide, normal(3, 5), normal(3), wrt=(0, 1), label="wide (minimum norm)")


def matrix_norm_case(ord, keepdims=False):
    def matrix_norm_ord(x):
        return np.sum(np.linalg.matrix_norm(x, ord=ord, keepdims=keepdims) * W1[:2].reshape((2, 1, 1)
                                                                                           if keepdims else (2,)))
    return own_code(matrix_norm_ord)


def vector_norm_case(ord, axis, keepdims=False):
    w = weight_like(np.linalg.vector_norm(X234, ord=ord, axis=axis, keepdims=keepdims))

    def vector_norm_ord(x):
        return np.sum(np.linalg.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims) * w)
    return own_code(vector_norm_ord)


def linalg_trace_call(x):
    return np.sum(np.linalg.trace(x, offset=1) * W1[:2])


for _ord in ("fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf):
    case(np.linalg.matrix_norm, matrix_norm_case(_ord), away_from(normal(2, 3, 4), [0.0]), label="ord=%s" % _ord)
case(np.linalg.matrix_norm, matrix_norm_case("fro", True), normal(2, 3, 4), label="keepdims")
for _ord, _axis, _keep in [(2, None, False), (1, None, False), (np.inf, 1, False), (3, (0, 2), False),
                           (2, -1, True), (-np.inf, 0, False), (0.5, 1, True)]:
    case(np.linalg.vector_norm, vector_norm_case(_ord, _axis, _keep), away_from(X234, [0.0]),
         label="ord=%s,axis=%s,keepdims=%s" % (_ord, _axis, _keep))
case(np.linalg.trace, linalg_trace_call, normal(2, 3, 4))


def norm_complex_rows(z):
    return np.sum(np.linalg.norm(z, axis=1) * W1[:3]) + np.linalg.norm(z) * C


case(np.linalg.norm, norm_complex_rows, complex_operand(3, 4), label="complex")

# ------------------------------------------------------------ fft



def fft_case(prim, fn, x, label=None):
    """``real(sum(fn(x) * w))`` with ``w`` a fixed weight shaped like the result (complex if it is)."""
    y = fn(x)
    w = complex_operand(*np.shape(y)) if np.iscomplexobj(y) else normal(*np.shape(y))

    def spectral(x):
        return np.real(np.sum(fn(x) * w))
    case(prim, own_code(spectral), x, label=label or fn.__name__)


def fft_default(x):
    return np.fft.fft(x)


def fft_n_axis(x):
    return np.fft.fft(x, 6, axis=0)


def fft_crop_ortho(x):
    return np.fft.fft(x, n=3, norm="ortho")


def ifft_forward(x):
    return np.fft.ifft(x, norm="forward")


def ifft_pad(x):
    return np.fft.ifft(x, 5)


def fft2_default(x):
    return np.fft.fft2(x)


def fft2_s(x):
    return np.fft.fft2(x, s=(2, 6))


def ifft2_axes(x):
    return np.fft.ifft2(x, axes=(0, 1))


def fftn_default(x):
    return np.fft.fftn(x)


def fftn_one_axis(x):
    return np.fft.fftn(x, axes=(0,))


def ifftn_s_ortho(x):
    return np.fft.ifftn(x, s=(4, 3), axes=(0, 1), norm="ortho")


def rfft_default(x):
    return np.fft.rfft(x)


def rfft_n_axis(x):
    return np.fft.rfft(x, 7, axis=0)


def rfft_crop_forward(x):
    return np.fft.rfft(x, 3, norm="forward")


def rfft2_default(x):
    return np.fft.rfft2(x)


def rfftn_s(x):
    return np.fft.rfftn(x, s=(4, 6), axes=(0, 1))


def irfft_default(z):
    return np.fft.irfft(z)


def irfft_odd(z):
    return np.fft.irfft(z, 5, axis=0)


def irfft_crop_ortho(z):
    return np.fft.irfft(z, n=4, norm="ortho")


def irfft2_default(z):
    return np.fft.irfft2(z)


def irfftn_s(z):
    return np.fft.irfftn(z, s=(2, 5), axes=(0, 1))


def fftshift_default(x):
    return np.fft.fftshift(x)


def ifftshift_axes(x):
    return np.fft.ifftshift(x, axes=1)


X34 = normal(3, 4)
Z34 = complex_operand(3, 4)
for _fn in (fft_default, fft_n_axis, fft_crop_ortho):
    fft_case(np.fft.fft, _fn, X34)
    fft_case(np.fft.fft, _fn, Z34, label="complex " + _fn.__name__)
for _fn in (ifft_forward, ifft_pad):
    fft_case(np.fft.ifft, _fn, Z34)
for _fn in (fft2_default, fft2_s):
    fft_case(np.fft.fft2, _fn, X34)
fft_case(np.fft.fft2, fft2_default, normal(2, 3, 4), label="3-D input")
fft_case(np.fft.ifft2, ifft2_axes, complex_operand(3, 4, 2))
fft_case(np.fft.fftn, fftn_default, complex_operand(2, 3, 4))
fft_case(np.fft.fftn, fftn_one_axis, X34)
fft_case(np.fft.ifftn, ifftn_s_ortho, Z34)
for _fn in (rfft_default, rfft_n_axis, rfft_crop_forward):
    fft_case(np.fft.rfft, _fn, X34)
fft_case(np.fft.rfft2, rfft2_default, normal(2, 3, 4))
fft_case(np.fft.rfftn, rfftn_s, X34)
for _fn in (irfft_default, irfft_odd, irfft_crop_ortho):
    fft_case(np.fft.irfft, _fn, Z34)
fft_case(np.fft.irfft2, irfft2_default, complex_operand(2, 3, 4))
fft_case(np.fft.irfftn, irfftn_s, Z34)
fft_case(np.fft.fftshift, fftshift_default, X34)
fft_case(np.fft.ifftshift, ifftshift_axes, X34)


# ------------------------------------------------------------ out=None forms


def out_none_forms(x, i):
    return (np.sum(np.exp(x, out=None) * W2[:3, :4]) + np.sum(np.sum(x, axis=0, out=None) * W1[:4])
            + np.nansum(x, out=None) + np.sum(np.cumprod(x, axis=1, out=None) * W2[:3, :4])
            + np.sum(np.take(x, i, axis=1, out=None) * W2[:3, :2]) + np.sum(np.clip(x, -0.5, 0.5, out=None))
            + np.real(np.sum(np.fft.fft(x, out=None) * WC2[:3, :4])) + np.ptp(x, axis=None, out=None))


case(np.exp, out_none_forms, away_from(normal(3, 4), [-0.5, 0.5]), np.array([3, 1]), label="out=None forms")


# ------------------------------------------------- issue 18: edits, eig, einsum forms, scipy.special
# Own generator: drawing from RNG here would shift the inputs of the cases defined after the table.
R18 = np.random.default_rng(18)


def r18(*shape, lo=-1.0, hi=1.0):
    return R18.uniform(lo, hi, shape)


def c18(*shape):
    return R18.standard_normal(shape) + 1j * R18.standard_normal(shape)


def pad_constants(x, c):
    return np.sum(np.pad(x, ((1, 2), (2, 1)), constant_values=c) * W2[:6, :7])


def pad_constant_values_complex(x, c):
    return np.sum(np.real(np.pad(x, 1, mode="constant", constant_values=c) * WC2[:5, :6]))


def insert_axis(x, v):
    return np.sum(np.insert(x, [1, 3], v, axis=1) * W2[:3, :6])


def insert_flat(x, v):
    return np.sum(np.insert(x, 2, v) * W1[:7])


def insert_complex(x, v):
    return np.sum(np.real(np.insert(x, 0, v, axis=0) * WC2[:4, :4]))


def delete_axis(x):
    return np.sum(np.delete(x, [0, 2], axis=1) * W2[:3, :2])


def delete_flat(x):
    return np.sum(np.delete(x, 3) * W1[:5])


def delete_complex(x):
    return np.sum(np.real(np.delete(x, 1, axis=0) * WC2[:2, :4]))


def gradient_1d(x):
    return np.sum(np.gradient(x) * W1[:6])


def gradient_2d(x):
    gy, gx = np.gradient(x)
    return np.sum(gy * W2[:4, :5]) + np.sum(gx * gx * W2[4:8, :5])


def gradient_spacing(x):
    return np.sum(np.gradient(x, 0.3, axis=1, edge_order=2) * W2[:4, :5])


def gradient_coordinates(x):
    return np.sum(np.gradient(x, np.array([0.0, 0.4, 1.1, 1.5, 2.6]), axis=-1, edge_order=2) * W2[:4, :5])


def gradient_complex(x):
    return np.sum(np.real(np.gradient(x, 0.5, axis=0) * WC2[:4, :5]))


def real_if_close_dropped(x):
    """Imaginary parts that are 0 (a complex input near the threshold would make differences jump)."""
    return np.sum(np.real_if_close((x + 0j) * x) * W2[:3, :4])


def real_if_close_kept(z):
    return np.sum(np.real(np.real_if_close(z) * WC2[:3, :4]))


def real_if_close_real(x):
    return np.sum(np.real_if_close(x) * W2[:3, :4])


def row_stack_call(x, v):
    return np.sum(np.row_stack((x, v)) * W2[:4, :4])


def eig_values(a):
    w, v = np.linalg.eig(a)
    return np.real(np.sum(w * WC2[0, :4]))


def eig_vectors(a):
    """Through quantities that do not depend on each eigenvector's phase (LAPACK's is not smooth)."""
    w, v = np.linalg.eig(a)
    return np.sum(np.abs(v) ** 2 * W2[:4, :4]) + np.real(np.sum(v * np.conj(v[:1]) * WC2[:4, :4] + w * w))


def eigvals_call(a):
    return np.real(np.sum(np.linalg.eigvals(a) * WC2[1, :4]))


EIG_REAL = R18.standard_normal((4, 4))  # two complex-conjugate pairs
# distinct real eigenvalues
EIG_REAL_REAL = np.array([[2.0, 0.3, -0.4, 0.1], [0.1, -1.0, 0.5, 0.2], [0.2, 0.6, 0.5, -0.3], [0.0, 0.1, 0.2, 3.5]])


def einsum_ellipsis(a, b):
    return np.sum(np.einsum("...ij,...jk->...ik", a, b) * W3[:2, :3, :4])


def einsum_implicit(a, b):
    return np.sum(np.einsum("ij,jk", a, b) * W2[:3, :4])


def einsum_sublist(a, b):
    return np.sum(np.einsum(a, [0, 1], b, [1, 2], [0, 2]) * W2[:3, :4])


def einsum_sublist_implicit(a, b):
    return np.sum(np.einsum(a, [Ellipsis, 0, 1], b, [Ellipsis, 1, 2]) * W3[:2, :3, :4])


def einsum_diagonal(a):
    return np.sum(np.einsum("ii->i", a) * W1[:3])


def einsum_batch_trace(a):
    return np.sum(np.einsum("bii->b", a) * W1[:2])


def einsum_trace(a):
    return np.einsum("ii", a) * C


def einsum_optimize(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b, optimize=True) * W2[:3, :4])


def einsum_sublist_complex(a, b):
    return np.sum(np.real(np.einsum(a, [0, 1], b, [1, 2], [0, 2]) * WC2[:3, :4]))


case(np.pad, pad_constants, r18(3, 4), 0.7, wrt=(0, 1), label="constant_values=c")
case(np.pad, pad_constants, r18(3, 4), r18(2, 2), wrt=(0, 1), label="constant_values=(2,2)")
case(np.pad, pad_constants, r18(3, 4), r18(2), wrt=(0, 1), label="constant_values=(before,after)")
case(np.pad, pad_constant_values_complex, c18(3, 4), c18(2, 1), wrt=(0, 1), label="complex constant_values")
case(np.insert, insert_axis, r18(3, 4), r18(3, 1), wrt=(0, 1), label="[1,3], axis=1")
case(np.insert, insert_flat, r18(2, 3), 0.4, wrt=(0, 1), label="flat, scalar")
case(np.insert, insert_complex, c18(3, 4), c18(4), wrt=(0, 1), label="complex")
case(np.delete, delete_axis, r18(3, 4), label="[0,2], axis=1")
case(np.delete, delete_flat, r18(2, 3), label="flat")
case(np.delete, delete_complex, c18(3, 4), label="complex")
case(np.gradient, gradient_1d, r18(6), label="1-D")
case(np.gradient, gradient_2d, r18(4, 5), label="2-D, both axes")
case(np.gradient, gradient_spacing, r18(4, 5), label="dx, axis=1, edge_order=2")
case(np.gradient, gradient_coordinates, r18(4, 5), label="coordinates, edge_order=2")
case(np.gradient, gradient_complex, c18(4, 5), label="complex")
case(np.real_if_close, real_if_close_dropped, r18(3, 4), label="imaginary parts dropped")
case(np.real_if_close, real_if_close_kept, c18(3, 4), label="complex kept")
case(np.real_if_close, real_if_close_real, r18(3, 4), label="real")
if hasattr(np, "row_stack"):
    case(np.row_stack, row_stack_call, r18(3, 4), r18(4), wrt=(0, 1), label="(3x4, 4)")
# forward mode through complex eigenvectors is refused (tests/rules/test_library_rules_18.py checks their
# reverse mode); through the eigenvalues it works
case(np.linalg.eig, eig_values, EIG_REAL, label="real, complex pairs: eigenvalues")
case(np.linalg.eig, eig_values, c18(4, 4), label="complex: eigenvalues")
case(np.linalg.eig, eig_vectors, EIG_REAL_REAL, label="real eigenvalues: eigenvectors")
case(np.linalg.eigvals, eigvals_call, EIG_REAL, label="real")
case(np.linalg.eigvals, eigvals_call, c18(4, 4), label="complex")
case(np.einsum, einsum_ellipsis, r18(2, 3, 3), r18(2, 3, 4), wrt=(0, 1), label="...ij,...jk->...ik")
case(np.einsum, einsum_implicit, r18(3, 3), r18(3, 4), wrt=(0, 1), label="ij,jk (implicit output)")
case(np.einsum, einsum_sublist, r18(3, 3), r18(3, 4), wrt=(0, 1), label="sublist a,[0,1],b,[1,2],[0,2]")
case(np.einsum, einsum_sublist_implicit, r18(2, 3, 3), r18(2, 3, 4), wrt=(0, 1), label="sublist ellipsis, implicit")
case(np.einsum, einsum_diagonal, r18(3, 3), label="ii->i")
case(np.einsum, einsum_batch_trace, r18(2, 3, 3), label="bii->b")
case(np.einsum, einsum_trace, r18(3, 3), label="ii (trace)")
case(np.einsum, einsum_optimize, r18(3, 3), r18(3, 4), wrt=(0, 1), label="optimize=True")
case(np.einsum, einsum_sublist_complex, c18(3, 3), c18(3, 4), wrt=(0, 1), label="complex sublist")

if special is not None:
    def special_call(fn, *constants, weight=W2[:3, :4]):
        """sum(fn(*constants, x) * weight), with the constants written out (a starred call could
        pass ``x`` as the ufunc's ``out``)."""
        if not constants:
            def special_in(x):
                return np.sum(np.real(fn(x) * weight))
        elif len(constants) == 1:
            c0 = constants[0]

            def special_in(x):
                return np.sum(np.real(fn(c0, x) * weight))
        else:
            c0, c1 = constants

            def special_in(x):
                return np.sum(np.real(fn(c0, c1, x) * weight))
        return own_code(special_in)

    def special_complex(fn, *constants):
        return special_call(fn, *constants, weight=WC2[:3, :4])

    def beta_call(a, b):
        return np.sum(special.beta(a, b) * W2[:3, :4])

    SPECIAL_18 = [  # (function, constant leading arguments, domain of x, label)
        (special.iv, (1.5,), (0.3, 3.0), "v=1.5"), (special.ive, (1.0,), (-3.0, 3.0), "v=1"),
        (special.jn, (2,), (0.3, 4.0), "n=2"), (special.jv, (0.3,), (0.3, 4.0), "v=0.3"),
        (special.yn, (1,), (0.5, 4.0), "n=1"), (special.yn, (0,), (0.5, 4.0), "n=0"),
        (special.j0, (), (-4.0, 4.0), ""), (special.j1, (), (-4.0, 4.0), ""), (special.y0, (), (0.5, 4.0), ""),
        (special.y1, (), (0.5, 4.0), ""), (special.rgamma, (), (-2.9, 3.0), ""), (special.erfcinv, (), (0.1, 1.9), ""),
        (special.gammainc, (1.7,), (0.2, 3.0), "a=1.7"), (special.gammaincc, (0.6,), (0.2, 3.0), "a=0.6"),
        (special.betainc, (1.7, 2.5), (0.05, 0.95), "a=1.7, b=2.5"),
    ]
    for _fn, _consts, (_lo, _hi), _label in SPECIAL_18:
        _x = r18(3, 4, lo=_lo, hi=_hi)
        if _fn is special.rgamma:
            _x = away_from(_x, [-2.0, -1.0, 0.0], gap=0.1)
        case(_fn, special_call(_fn, *_consts), _x, label="%s(%s)" % (_fn.__name__, _label))
    for _fn, _consts in ((special.iv, (1.5,)), (special.ive, (2.0,)), (special.jv, (0.5,)), (special.rgamma, ())):
        case(_fn, special_complex(_fn, *_consts), c18(3, 4), label="complex %s" % _fn.__name__)
    case(special.beta, beta_call, r18(3, 4, lo=0.3, hi=3.0), r18(4, lo=0.3, hi=3.0), wrt=(0, 1), label="(3x4, 4)")

    # the shapes of the incomplete gamma and beta functions and t's df (runtime/kernels_incomplete)
    def gammainc_shape(a, x):
        return np.sum(special.gammainc(a, x) * W2[:3, :4])

    def gammaincc_shape(a, x):
        return np.sum(special.gammaincc(a, x) * W2[:3, :4])

    def betainc_shapes(a, b, x):
        return np.sum(special.betainc(a, b, x) * W2[:3, :4])

    def stdtr_call(df, t):
        return np.sum(special.stdtr(df, t) * W2[:3, :4])

    case(special.gammainc, gammainc_shape, r18(3, 4, lo=0.2, hi=6.0), r18(3, 4, lo=0.05, hi=8.0), wrt=(0, 1),
         label="shape a")
    case(special.gammaincc, gammaincc_shape, r18(3, 4, lo=0.2, hi=6.0), r18(3, 4, lo=0.05, hi=8.0), wrt=(0, 1),
         label="shape a")
    case(special.betainc, betainc_shapes, r18(3, 4, lo=0.2, hi=5.0), r18(3, 4, lo=0.2, hi=5.0),
         r18(3, 4, lo=0.02, hi=0.98), wrt=(0, 1, 2), label="shapes a, b")
    case(special.stdtr, stdtr_call, r18(3, 4, lo=0.5, hi=40.0), r18(3, 4, lo=-4.0, hi=4.0), wrt=(0, 1), label="df, t")

    def multigammaln_call(a):
        return np.sum(special.multigammaln(a, 3) * W2[:3, :4])

    def special_ufuncs_18(x):
        return np.sum(np.real((special.log1p(x) + special.expm1(x) + special.cosm1(x)) * WC2[:3, :4]))

    case(special.multigammaln, multigammaln_call, r18(3, 4, lo=1.2, hi=4.0), label="d=3")
    for _fn in (special.log1p, special.expm1, special.cosm1):
        case(_fn, special_call(_fn), r18(3, 4, lo=-0.5, hi=2.0), label="scipy's own")
        if _fn is not special.cosm1:  # cosm1 takes real arguments only
            case(_fn, special_complex(_fn), 0.5 * c18(3, 4), label="scipy's own, complex")


# ------------------------------------------ issue 18: scipy.signal convolutions, scipy.linalg matrix functions
try:
    import scipy.linalg as sla
    import scipy.signal as signal
except ImportError:  # pragma: no cover - SciPy is optional
    signal = sla = None


def signal_call(fn, mode, *extra):
    """sum(fn(in1, in2, mode[, method]) * a fixed weight of the result's shape), complex weights too."""
    def weighted(y):
        k = np.arange(y.size).reshape(y.shape)
        return np.sum(np.real(y * (np.cos(1.3 * k) + 0.4j * np.sin(0.7 * k))))
    if extra:
        method = extra[0]

        def conv_in(in1, in2):
            return weighted(fn(in1, in2, mode, method))
    else:
        def conv_in(in1, in2):
            return weighted(fn(in1, in2, mode))
    return own_code(conv_in)


if signal is not None:
    SIGNAL_SHAPES = [((7,), (3,)), ((3,), (6,)), ((5, 4), (2, 3)), ((2, 3), (5, 4)), ((4, 5, 3), (2, 2, 3))]
    for _fn, _extra in ((signal.convolve, ("direct",)), (signal.correlate, ("fft",)), (signal.fftconvolve, ()),
                        (signal.oaconvolve, ()), (signal.convolve2d, ()), (signal.correlate2d, ())):
        for _s1, _s2 in SIGNAL_SHAPES:
            if _fn in (signal.convolve2d, signal.correlate2d) and len(_s1) != 2:
                continue
            for _mode in ("full", "same", "valid"):
                _grows = all(n1 >= n2 for n1, n2 in zip(_s1, _s2)) or all(n1 <= n2 for n1, n2 in zip(_s1, _s2))
                if _mode == "valid" and not _grows:
                    continue
                case(_fn, signal_call(_fn, _mode, *_extra), r18(*_s1), r18(*_s2), wrt=(0, 1),
                     label="%s %s*%s%s" % (_mode, _s1, _s2, " " + _extra[0] if _extra else ""))
        for _mode in ("same", "valid"):  # correlate2d 'valid' with in2 the larger conjugates (SciPy swaps them)
            case(_fn, signal_call(_fn, _mode, *_extra), c18(3, 4), c18(4, 5) if _mode == "valid" else c18(2, 3),
                 wrt=(0, 1), label="complex %s" % _mode)
    case(signal.convolve, signal_call(signal.convolve, "same", "auto"), r18(6), c18(3), wrt=(0, 1),
         label="real by complex")

    def signal_axes_call(fn, mode, axes):
        """sum(fn(in1, in2, mode, axes=axes) * a fixed complex weight of the result's shape)."""
        def conv_axes(in1, in2):
            y = fn(in1, in2, mode, axes=axes)
            k = np.arange(y.size).reshape(y.shape)
            return np.sum(np.real(y * (np.cos(1.3 * k) + 0.4j * np.sin(0.7 * k))))
        return own_code(conv_axes)

    def signal_boundary_call(fn, mode, boundary):
        """sum(fn(in1, in2, mode, boundary) * a fixed complex weight of the result's shape)."""
        def conv_boundary(in1, in2):
            y = fn(in1, in2, mode, boundary)
            k = np.arange(y.size).reshape(y.shape)
            return np.sum(np.real(y * (np.cos(1.3 * k) + 0.4j * np.sin(0.7 * k))))
        return own_code(conv_boundary)

    # boundary 'wrap' / 'symm': in1 extended by its own entries (several times over where in2 is the larger)
    for _fn in (signal.convolve2d, signal.correlate2d):
        for _boundary in ("wrap", "symm"):
            for _s1, _s2 in (((5, 4), (2, 3)), ((2, 3), (5, 4))):
                for _mode in ("full", "same", "valid"):
                    case(_fn, signal_boundary_call(_fn, _mode, _boundary), r18(*_s1), r18(*_s2), wrt=(0, 1),
                         label="%s %s*%s boundary=%s" % (_mode, _s1, _s2, _boundary))
            case(_fn, signal_boundary_call(_fn, "same", _boundary), c18(3, 4), c18(2, 3), wrt=(0, 1),
                 label="complex same boundary=%s" % _boundary)

    # axes=: convolved along those axes, broadcast along the others ('same' keeps in1's size there)
    AXES_SHAPES = [((5, 4), (2, 4), 0), ((5, 1), (2, 3), (0,)), ((4, 5, 3), (2, 1, 3), (2, 0)),
                   ((2, 6), (2, 8), -1)]
    for _fn in (signal.fftconvolve, signal.oaconvolve):
        for _s1, _s2, _axes in AXES_SHAPES:
            for _mode in ("full", "same", "valid"):
                case(_fn, signal_axes_call(_fn, _mode, _axes), r18(*_s1), r18(*_s2), wrt=(0, 1),
                     label="%s %s*%s axes=%s" % (_mode, _s1, _s2, _axes))
        case(_fn, signal_axes_call(_fn, "same", 1), c18(3, 5), c18(3, 2), wrt=(0, 1), label="complex axes=1")

if sla is not None:
    def expm_call(a):
        return np.sum(np.real(sla.expm(a) * WC2[:3, :3]))

    def expm_batched(a):
        return np.sum(sla.expm(a) * W3[:2, :3, :3])

    def sqrtm_call(a):
        return np.sum(np.real(sla.sqrtm(a) * WC2[:3, :3]))

    def sylvester_call(a, b, q):
        return np.sum(sla.solve_sylvester(a, b, q) * W2[:3, :2])

    def banded_call(ab, b):
        return np.sum(np.real(sla.solve_banded((1, 2), ab, b) * W1[:5]))

    def banded_columns(ab, b):
        return np.sum(sla.solve_banded((2, 0), ab, b, check_finite=False) * W2[:5, :3])

    _band = r18(4, 5)
    _band[2] += 4.0  # the diagonal: well conditioned
    _lower = r18(3, 5)
    _lower[0] += 4.0
    case(sla.expm, expm_call, 0.5 * r18(3, 3))
    case(sla.expm, expm_call, 0.5 * c18(3, 3), label="complex")
    case(sla.expm, expm_batched, 0.5 * r18(2, 3, 3), label="batched")
    case(sla.sqrtm, sqrtm_call, matrix(n=3), label="real")
    case(sla.sqrtm, sqrtm_call, np.array([[1.0, 2.0, 0.3], [-2.0, 1.0, 0.1], [0.2, 0.0, 3.0]]), label="complex root")
    case(sla.sqrtm, sqrtm_call, matrix(n=3) + 0.3j * r18(3, 3), label="complex")
    case(sla.solve_sylvester, sylvester_call, matrix(n=3), matrix(n=2), r18(3, 2), wrt=(0, 1, 2))
    case(sla.solve_banded, banded_call, _band, r18(5), wrt=(0, 1), label="(1, 2)")
    case(sla.solve_banded, banded_columns, _lower, r18(5, 3), wrt=(0, 1), label="(2, 0), columns")
    case(sla.solve_banded, banded_call, _band + 0.2j * r18(4, 5), c18(5), wrt=(0, 1), label="complex")

try:
    import scipy.integrate as sint
except ImportError:  # pragma: no cover - SciPy is optional
    sint = None


def decay_18(y, t, k):
    return -k * y + 0.1 * np.sin(t)


def odeint_call(y0, k):
    ys = sint.odeint(decay_18, y0, np.linspace(0.0, 1.0, 4), args=(k,), rtol=1e-11, atol=1e-11)
    return np.sum(ys * W2[:4, :3])


if sint is not None:  # more in test_scipy_odeint.py; its second derivatives are refused (no hessian case)
    case(sint.odeint, odeint_call, r18(3), 0.7, wrt=(0, 1), label="adjoint method")


# ---------------------------------------------------------------------- tests


def _params():
    for c in CASES:
        marks = [c.bug.mark()] if c.bug else []
        yield pytest.param(c, id=c.id, marks=marks)


def wrt_positions(c):
    return list(c.wrt) if isinstance(c.wrt, tuple) else [c.wrt]


def is_complex(x):
    return np.iscomplexobj(x) and not isinstance(x, (list, tuple, dict))


def _real_at(fun, args, pos, idx, step):
    """fun(*args) with ``step`` added to entry ``idx`` of argument ``pos``, as a float."""
    x = np.asarray(args[pos])
    y = x.astype(complex if np.iscomplexobj(x) else float, copy=True)
    y[idx] += step
    new = list(args)
    new[pos] = y
    return float(np.real(fun(*new)))


def check_grad_complex(fun, args, wrt, rtol=1e-5, atol=1e-7, eps=1e-6):
    """check_grad for complex arguments under srcdiff's convention: grad = dL/dx - i dL/dy."""
    g = srcdiff.grad(fun, wrt=wrt)(*args)
    positions = list(wrt) if isinstance(wrt, tuple) else [wrt]
    grads = list(g) if isinstance(wrt, tuple) else [g]
    for pos, gi in zip(positions, grads):
        x = np.asarray(args[pos])
        expected = np.zeros(x.shape, dtype=complex)
        for idx in np.ndindex(*x.shape):
            expected[idx] = (_real_at(fun, args, pos, idx, eps) - _real_at(fun, args, pos, idx, -eps)) / (2 * eps)
            if np.iscomplexobj(x):
                d_imag = (_real_at(fun, args, pos, idx, 1j * eps) - _real_at(fun, args, pos, idx, -1j * eps)) / (2 * eps)
                expected[idx] -= 1j * d_imag
        np.testing.assert_allclose(np.asarray(gi), expected, rtol=rtol, atol=atol,
                                   err_msg="complex gradient of argument %d" % pos)


@pytest.mark.parametrize("c", list(_params()))
def test_rule(c):
    if any(is_complex(c.args[p]) for p in wrt_positions(c)):
        check_grad_complex(c.fun, c.args, c.wrt)
    else:
        srcdiff.check_grad(c.fun, *c.args, wrt=c.wrt)


def random_like(x, rng):
    """A random tangent or cotangent with the structure, shape and (complex) type of ``x``."""
    if isinstance(x, dict):
        return {k: random_like(v, rng) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(random_like(v, rng) for v in x)
    if isinstance(x, float):
        return float(rng.standard_normal())
    if isinstance(x, complex):
        return complex(rng.standard_normal(), rng.standard_normal())
    out = rng.standard_normal(np.shape(x))
    if np.iscomplexobj(x):
        out = out + 1j * rng.standard_normal(np.shape(x))
    return out


def pairing(a, b):
    """Re(sum(a * b)) over matching structures: the pairing of cotangents with tangents."""
    if isinstance(a, dict):
        return sum(pairing(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return sum(pairing(x, y) for x, y in zip(a, b))
    return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def magnitude(a):
    if isinstance(a, dict):
        return sum(magnitude(v) for v in a.values())
    if isinstance(a, (list, tuple)):
        return sum(magnitude(v) for v in a)
    return float(np.sum(np.abs(np.asarray(a))))


# forward-mode bugs shown by rule-table cases (case id -> Bug)
FORWARD_BUGS = {}


def _forward_params():
    for c in CASES:
        bug = FORWARD_BUGS.get(c.id) or c.bug
        yield pytest.param(c, id=c.id, marks=[bug.mark()] if bug else [])


@pytest.mark.parametrize("c", list(_forward_params()))
def test_rule_forward(c):
    """Forward mode agrees with reverse mode: <v, J t> == <J^T v, t> (jvp against vjp)."""
    rng = np.random.default_rng(7)
    positions = wrt_positions(c)
    tangents = [random_like(c.args[p], rng) for p in positions]
    value, jt = srcdiff.jvp(c.fun, tuple(c.args), tuple(tangents) if isinstance(c.wrt, tuple) else tangents[0],
                            wrt=c.wrt)
    v = random_like(value if not isinstance(value, float) else 0.0, rng)
    v = float(np.real(v)) if np.ndim(value) == 0 else np.real(v)
    _, pullback = srcdiff.vjp(c.fun, wrt=c.wrt)(*c.args)
    g = pullback(v)
    grads = list(g) if isinstance(c.wrt, tuple) else [g]
    lhs = pairing(v, jt)
    rhs = sum(pairing(gi, t) for gi, t in zip(grads, tangents))
    scale = magnitude(v) * magnitude(jt) + sum(magnitude(gi) * magnitude(t) for gi, t in zip(grads, tangents))
    assert abs(lhs - rhs) <= 1e-9 * max(scale, 1.0), "jvp/vjp mismatch for %s: <v, J t> = %r, <J^T v, t> = %r" % (
        c.id, lhs, rhs)


def differentiable_rules():
    return [r for r in all_rules() if r.adjoint is not None and not r.nondifferentiable]


# kernels whose rules only refuse a second derivative (their tests: tests/runtime/test_kernels_incomplete.py,
# tests/rules/test_scipy_odeint.py::test_odeint_second_derivatives_are_refused_by_every_route)
SECOND_DERIVATIVE_REFUSALS = {
    "srcdiff.runtime.kernels_incomplete.betainc_da", "srcdiff.runtime.kernels_incomplete.betainc_db",
    "srcdiff.runtime.kernels_incomplete.gammainc_da", "srcdiff.runtime.kernels_incomplete.stdtr_ddf",
    "srcdiff.runtime.kernels_integrate.odeint_adjoint", "srcdiff.runtime.kernels_integrate.odeint_tangent"}


def test_every_differentiable_rule_has_a_case():
    covered = {id(c.prim) for c in CASES}
    missing = sorted(r.name for r in differentiable_rules()
                     if id(r.obj) not in covered and r.name not in SECOND_DERIVATIVE_REFUSALS)
    assert not missing, "registered rules without a case in the table: %s" % ", ".join(missing)


def test_every_differentiable_rule_has_both_modes():
    one_mode = sorted(r.name for r in differentiable_rules() if r.tangent is None)
    assert not one_mode, "rules with an adjoint but no tangent: %s" % ", ".join(one_mode)


def test_every_case_names_a_differentiable_rule():
    registered = {id(r.obj) for r in differentiable_rules()}
    strays = sorted({c.id for c in CASES if id(c.prim) not in registered})
    assert not strays, "cases for primitives without a reverse-mode rule: %s" % ", ".join(strays)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_numpy_coverage():
    """At least 180 NumPy functions (and the array methods mapped onto them) have both modes."""
    both = [r for r in all_rules() if r.adjoint is not None and r.tangent is not None and r.name.startswith("numpy")]
    assert len(both) >= 180, len(both)


# --------------------------------------------------- second derivatives (forward over reverse)


# forward mode over these gradients meets the tangent of complex eigenvectors, which it refuses
HESSIAN_REFUSED = {"linalg.eig[real, complex pairs: eigenvalues]", "linalg.eigvals[real]"}
# second derivatives in the shapes of the incomplete gamma and beta functions are refused (their first
# derivative is a series): case id -> the positions of the shapes
SHAPES_REFUSED = {"gammainc[shape a]": (0,), "gammaincc[shape a]": (0,), "betainc[shapes a, b]": (0, 1),
                  "stdtr[df, t]": (0,)}


def test_hessian_through_complex_eigenvectors_is_refused():
    for c in CASES:
        if c.id in HESSIAN_REFUSED:
            with pytest.raises(srcdiff.NonDifferentiableError, match="complex eigenvectors"):
                srcdiff.hvp(c.fun)(*c.args, np.ones_like(c.args[0]))


def test_hessian_in_the_shapes_is_refused():
    cases = [c for c in CASES if c.id in SHAPES_REFUSED]
    assert len(cases) == len(SHAPES_REFUSED)
    for c in cases:
        for pos in SHAPES_REFUSED[c.id]:
            with pytest.raises(srcdiff.NonDifferentiableError, match="no second derivative of the incomplete"):
                srcdiff.hvp(c.fun, wrt=pos)(*c.args, np.ones_like(c.args[pos]))


def _hessian_params():
    for c in CASES:
        if c.bug or "ties" in c.label or FORWARD_BUGS.get(c.id) or c.id in HESSIAN_REFUSED or c.id.startswith("odeint"):
            continue  # ties: the gradient jumps there, so differences of gradients measure nothing
        for pos in wrt_positions(c):
            x = c.args[pos]
            if pos in SHAPES_REFUSED.get(c.id, ()):
                continue  # refused: test_hessian_in_the_shapes_is_refused
            if isinstance(x, float) or (isinstance(x, np.ndarray) and not np.iscomplexobj(x)):
                yield pytest.param(c, pos, id="%s-%d" % (c.id, pos))


@pytest.mark.parametrize("c, pos", list(_hessian_params()))
def test_rule_hessian(c, pos):
    """hvp (forward mode over the generated gradient, through the kernels' tangent rules) matches
    central differences of reverse-mode gradients."""
    x = c.args[pos]
    v = np.random.default_rng(5).standard_normal(np.shape(x)) if isinstance(x, np.ndarray) else 1.0
    hv = srcdiff.hvp(c.fun, wrt=pos)(*c.args, v)

    def grad_at(xx):
        args = list(c.args)
        args[pos] = xx
        return np.asarray(srcdiff.grad(c.fun, wrt=pos)(*args), dtype=float)
    eps = 1e-5
    fd = (grad_at(x + eps * v) - grad_at(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------ out=None and methods


def test_methods_map_onto_functions_with_rules():
    """Every array method srcdiff knows is a function with both rules, or a non-differentiable one."""
    from srcdiff.rules import registry
    gaps = []
    for name, (function, _) in sorted(registry._METHODS.items()):
        rule = lookup(function)
        if rule is None or not (rule.nondifferentiable or (rule.adjoint and rule.tangent)):
            gaps.append(name)
    assert not gaps, gaps


NONDIFF_NEW = away_from(unif(-2, 2, 6), [-2, -1, 0, 1, 2])


def through_new_nondifferentiable(x):
    big = np.where(x > 0.5)[0]
    order = np.argpartition(x, 2)
    k = np.searchsorted(np.sort(x), 0.0)
    steps = np.heaviside(x, 0.5) + np.fix(x) + np.around(x) + np.signbit(x) + np.digitize(x, [-1.0, 1.0])
    return np.sum(x * steps) + np.sum(x[big]) + x[order[0]] * k + x[np.nanargmax(x)] + np.sum(x * np.isneginf(x))


@pytest.mark.filterwarnings("ignore:numpy.fix is deprecated:DeprecationWarning")  # NumPy 2.5; still a rule
def test_new_nondifferentiable_functions_are_constants():
    x = NONDIFF_NEW
    srcdiff.check_grad(through_new_nondifferentiable, x)
    steps = np.heaviside(x, 0.5) + np.fix(x) + np.around(x) + np.signbit(x) + np.digitize(x, [-1.0, 1.0])
    expected = steps + (x > 0.5) + np.searchsorted(np.sort(x), 0.0) * np.eye(6)[np.argpartition(x, 2)[0]] + \
        np.eye(6)[np.nanargmax(x)]
    np.testing.assert_allclose(srcdiff.grad(through_new_nondifferentiable)(x), expected, rtol=1e-12)


# --------------------------------------------- engine cases met while writing these rules
# Each with a minimal reproducer; the strict xfails are engine limitations still open.


def qr_result_indexed(a):
    res = np.linalg.qr(a)
    return np.sum(res[1] ** 2)


def test_namedtuple_result_indexed():
    """A named tuple result (QRResult) used through a name and indexed: its adjoint is a list."""
    srcdiff.check_grad(qr_result_indexed, TALL)


def comprehension_rebinding_its_iterable(a, axes):
    axes = [k % 2 for k in axes]
    return len(axes)


def calls_comprehension_rebinding(a):
    return np.sum(a) * comprehension_rebinding_its_iterable(a, (0, 1))


def test_comprehension_rebinding_its_iterable():
    """``axes = [k % 2 for k in axes]`` builds the new list before rebinding the name."""
    x = np.ones(3)
    value, tangent = srcdiff.jvp(calls_comprehension_rebinding, (x,), np.ones(3))
    assert (value, tangent) == (6.0, 6.0)
    np.testing.assert_allclose(srcdiff.grad(calls_comprehension_rebinding)(x), [2.0, 2.0, 2.0])


def template_local_holding_zero_probe(x):
    """A primitive for the test below: its rule keeps a tuple of adjoints in a template local."""
    return x * 1.0, x * 2.0


def _local_zero_adjoint(y, x):
    parts = (d[y][0], d[y][1])  # noqa: F821
    d[x] = parts[0] + 2.0 * parts[1]  # noqa: F821


def uses_one_output(x):
    a, b = template_local_holding_zero_probe(x)
    return np.sum(a * W1[:3])


def test_template_local_holding_a_symbolic_zero():
    """A template local holding the symbolic zero of an unused output prints as an explicit zero."""
    from srcdiff.rules import registry
    registry.adjoint(template_local_holding_zero_probe)(_local_zero_adjoint)
    try:
        srcdiff.grad(uses_one_output)(normal(3))
    finally:
        registry.remove(template_local_holding_zero_probe)


def pad_constant_values(x):
    return np.sum(np.pad(x, 1, constant_values=2.0) * W2[:3, :4])


def test_pad_constant_values_keyword():
    """numpy.pad passes constant_values through **kwargs; a template parameter with a default
    receives it (it was refused). Other extras (reflect_type, stat_length) are still refused."""
    srcdiff.check_grad(pad_constant_values, normal(1, 2))


def real_input_through_complex(x):
    return np.sum(np.real(np.exp(1j * x)))


def test_real_argument_through_complex_values_gets_a_real_gradient():
    """The gradient of a real argument that flowed through complex values is its real part, without a warning."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        srcdiff.grad(real_input_through_complex)(normal(3))


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
    """Rule objects are NumPy/SciPy/Python functions or srcdiff's kernels, never rule templates."""
    stray = [r.name for r in all_rules() if (getattr(r.obj, "__module__", None) or "").startswith("srcdiff.rules.")]
    assert not stray, stray


# ------------------------------------------------ tangent rules of kernels (second derivatives)
# Generated gradients call these kernels; forward mode over a gradient (hessian, hvp) needs their
# tangent rules. Each case calls a kernel directly: jvp must match central differences.

KERNEL_TANGENT_CASES = []


def kernel_case(kernel, fun, *args, wrt=0, label=""):
    KERNEL_TANGENT_CASES.append(pytest.param(kernel, fun, args, wrt, id="%s[%s]" % (kernel.__name__, label)))


def fd_along(fun, args, wrt, tangents, eps=1e-6):
    positions = list(wrt) if isinstance(wrt, tuple) else [wrt]

    def at(sign):
        new = list(args)
        for p, t in zip(positions, tangents):
            new[p] = args[p] + sign * eps * t
        return fun(*new)
    return (np.asarray(at(1)) - np.asarray(at(-1))) / (2 * eps)


def k_safe_divisor(y):
    return np.sum(3.0 / km.safe_divisor(y) * W1[:4])


def k_strong(g, x):
    return np.sum(km.strong_mul(g, x * x) * W1[:4]) + np.sum(km.strong_div(g, x * x + 1.0, True) * W1[:4])


def k_power_partial(x, p):
    return np.sum(km.power_partial(x, p) * W1[:4])


def k_abs_adjoint(g, x):
    return np.sum(np.real(km.abs_adjoint(g, x) * W1[:4]))


def k_angle_adjoint(g, z):
    return np.sum(np.real(km.angle_adjoint(g, z) * (W1[:4] + 1j)))


def k_imag_sinc(g, x):
    return np.sum(np.real(km.imag_adjoint(g, x + 0j)) * W1[:4]) + np.sum(km.sinc_partial(x) * g)


def k_nan_centered(x):
    return np.sum(kr.nan_centered(x, X234_NAN, 1) * W3[:2, :3, :4])


def k_weights(w, g):
    return np.sum(kr.weights_like(w, X234, 1) * W3[:1, :3, :1]) + np.sum(kr.weights_back(g, w, X234, 1) * W1[:3])


def k_drop_initial(g):
    return np.sum(kr.drop_initial(g, 0, True) * W2[:2, :4])


def k_trapezoid(g, y, x):
    return np.sum(kr.trapezoid_adjoint(g, y, x, 1.0, 0) * W2[:3, :4]) + \
        np.sum(kr.trapezoid_x_adjoint(g, y, x, 0) * W2[:3, :4]) + \
        np.sum(kr.trapezoid_adjoint(g, y, None, x[0, 0], 0) * W2[:3, :4])


def k_shape_kernels(g3, g34, g8):
    return (np.sum(ks.atleast_adjoint(g34, (X34,), X34)[0] * W2[:3, :4])
            + np.sum(ks.join_adjoint(g8, [np.ones(3), np.ones(5)], "h")[1] * W1[:5])
            + np.sum(ks.tile_adjoint(np.concatenate([g34, g34], axis=1), X34, (1, 2)) * W2[:3, :4])
            + np.sum(ks.repeat_adjoint(g8, np.ones(4), 2) * W1[:4])
            + np.sum(ks.pad_adjoint(np.pad(g34, 1), X34, 1, "reflect") * W2[:3, :4])
            + np.sum(ks.take_adjoint(g3, X34, np.array([1, 1, 3]), 1) * W2[:3, :4])
            + np.sum(ks.take_along_axis_adjoint(g34, X34, np.argsort(X34, axis=0), 0) * W2[:3, :4])
            + np.sum(ks.diagonal_adjoint(g3, np.ones((3, 3))) * W2[:3, :3])
            + np.sum(ks.permute_adjoint(g34, X34, np.argsort(X34, axis=1), 1) * W2[:3, :4])
            + np.sum(ks.select_adjoint(g34, [X34 > 0], [X34])[0] * W2[:3, :4])
            + np.sum(ks.select_default_adjoint(g34, [X34 > 0], 0.0) * C)
            + np.sum(ks.choose_adjoint(g34, X34 > 0, [X34, np.ones(4)])[1] * W1[:4])
            + np.sum(ks.compress_adjoint(g3, [True, False, True, True], X34[0]) * W1[:4])
            + np.sum(ks.extract_adjoint(g3, [True, False, True, True], X34[0]) * W1[:4])
            + np.sum(ks.split_adjoint([g3[:2], g3[2]], X34[0], [2], 0) * W1[:4])
            + np.sum(ks.unstack_adjoint([g34[0], g34[1, 0]], X34[:2], 0) * W2[:2, :4]))


def k_index_join_adjoint(g, a, b):
    items = (a, slice(0, 2), b)
    return np.sum(ixj.index_join_adjoint(g, np.r_, items, 0) * W1[:3]) + \
        np.sum(ixj.index_join_adjoint(g, np.r_, items, 2) * W1[3:5])


def k_einsum_adjoint(g, a, b):
    return np.sum(ke.einsum_vjp(g, ("ij,jk->ik", a, b), 1) * W2[:3, :4])


def k_einsum_diagonal_adjoint(g, a, b):
    return np.sum(ke.einsum_vjp(g, ("bii,ij->bj", a, b), 1) * W3[:2, :3, :3])


def k_products(g, a, b):
    return (np.sum(kp.cross_lhs(g, a, b) * W2[:2, :3]) + np.sum(kp.cross_rhs(g, a, b) * W2[:2, :3])
            + np.sum(kp.kron_lhs(np.kron(g, g), g, a) * W2[:2, :3])
            + np.sum(kp.kron_rhs(np.kron(g, g), a, g) * W2[:2, :3])
            + np.sum(kp.vecdot_lhs(g[:, 0], a, b) * W2[:2, :3]) + np.sum(kp.vecdot_rhs(g[:, 0], a, b) * W2[:2, :3])
            + np.sum(kp.matvec_lhs(g[:, 0], a, b[0]) * W2[:2, :3]) + np.sum(kp.matvec_rhs(g[:, 0], a, b[0]) * W1[:3])
            + np.sum(kp.vecmat_lhs(g[0], a[:, 0], b) * W1[:2]) + np.sum(kp.vecmat_rhs(g[0], a[:, 0], b) * W2[:2, :3]))


def k_convolutions(g, a, v):
    return (np.sum(kp.convolve_lhs(g, a, v, "same") * W1[:5]) + np.sum(kp.convolve_rhs(g, a, v, "same") * W1[:3])
            + np.sum(kp.correlate_lhs(g, a, v, "same") * W1[:5]) + np.sum(kp.correlate_rhs(g, a, v, "same") * W1[:3]))


def k_polynomials(g, p, x):
    return (np.sum(kp.polyval_coefficients(g, p, x) * W1[:4]) + np.sum(kp.polyval_derivative(p, x) * g)
            + np.sum(kp.vander_partials(x[:, 0], 4) * W2[:3, :4]))


def k_constructor_kernels(g, f, c, a):
    return (np.sum(ks.fill_adjoint(g, f, X34) * W1[:4])
            + np.sum(ks.logspace_exponents(a, 2.0 * a, 3, True, c, 0) * W2[:3, :1])
            + np.sum(ks.logspace_exponents(a, 2.0 * a, 3, False) * W1[:3])
            + np.sum(ks.logspace_base(c, a, a, 1) * W2[:3, :1])
            + np.sum(ks.logspace_base_adjoint(g[:, :1], c, a, a, 1) * W1[:3])
            + ks.logspace_base_adjoint(g, a, a, a))


def k_slogdet_sign(g, a):
    return np.sum(np.real(kl.slogdet_sign_adjoint(g, a + 0.1j * W2[:3, :3], np.exp(0.3j)) * W2[:3, :3]))


X4 = away_from(normal(4), [0.0])
kernel_case(km.safe_divisor, k_safe_divisor, X4)
kernel_case(km.strong_mul, k_strong, normal(4), X4, wrt=(0, 1), label="and strong_div")
kernel_case(km.power_partial, k_power_partial, unif(0.5, 2.0, 4), np.array([0.0, 1.0, 2.5, -1.0]), wrt=(0, 1))
kernel_case(km.abs_adjoint, k_abs_adjoint, normal(4), X4, wrt=(0, 1))
kernel_case(km.abs_adjoint, k_abs_adjoint, normal(4), complex_operand(4), wrt=(0, 1), label="complex x")
kernel_case(km.angle_adjoint, k_angle_adjoint, normal(4), complex_operand(4), wrt=(0, 1))
kernel_case(km.imag_adjoint, k_imag_sinc, normal(4), X4, wrt=(0, 1), label="and sinc_partial")
kernel_case(kr.nan_centered, k_nan_centered, X234)
kernel_case(kr.weights_like, k_weights, normal(3), normal(2, 3, 4), wrt=(0, 1), label="and weights_back")
kernel_case(kr.drop_initial, k_drop_initial, normal(3, 4))
kernel_case(kr.trapezoid_adjoint, k_trapezoid, normal(4), normal(3, 4), np.cumsum(unif(0.2, 1, 3, 4), axis=0),
            wrt=(0, 1, 2), label="and trapezoid_x_adjoint")
kernel_case(ks.take_adjoint, k_shape_kernels, normal(3), normal(3, 4), normal(8), wrt=(0, 1, 2),
            label="and the other linear selection kernels")
kernel_case(ixj.index_join_adjoint, k_index_join_adjoint, normal(7), normal(3), normal(2), wrt=(0, 1, 2))
kernel_case(ke.einsum_vjp, k_einsum_adjoint, normal(3, 5), normal(3, 4), normal(4, 5), wrt=(0, 1, 2))
kernel_case(ke.einsum_vjp, k_einsum_diagonal_adjoint, normal(2, 3), normal(2, 3, 3), normal(3, 3), wrt=(0, 1, 2),
            label="diagonal")
kernel_case(kp.cross_lhs, k_products, normal(2, 3), normal(2, 3), normal(2, 3), wrt=(0, 1, 2),
            label="and kron, vecdot, matvec, vecmat")
kernel_case(kp.convolve_lhs, k_convolutions, normal(5), normal(5), normal(3), wrt=(0, 1, 2),
            label="and correlate")
kernel_case(kp.polyval_coefficients, k_polynomials, normal(3, 2), normal(4), normal(3, 2), wrt=(0, 1, 2),
            label="and polyval_derivative, vander_partials")
kernel_case(kl.slogdet_sign_adjoint, k_slogdet_sign, normal(2), matrix(), wrt=0)
kernel_case(ks.fill_adjoint, k_constructor_kernels, normal(3, 4), normal(4), unif(1.5, 3.0, 3), 0.3, wrt=(0, 1, 2, 3),
            label="and the logspace kernels")


from srcdiff.runtime import kernels_edits as ked  # noqa: E402


def k_edit_kernels(g, x, t, c):
    """The kernels of numpy_edits (pad's constants, insert, delete, gradient, real_if_close)."""
    y = np.real_if_close(x + 0j)
    return (np.sum(ked.pad_values_adjoint(np.pad(g, 1), g, 1, c) * W1[:2])
            + np.sum(ked.pad_values_tangent(x, 1, t[:2]) * W2[:5, :6])
            + np.sum(ked.insert_arr_adjoint(np.insert(g, 1, 0.0, axis=1), x, 1, c[0], 1) * W2[:3, :4])
            + np.sum(ked.insert_values_adjoint(np.insert(g, 1, 0.0, axis=1), x, 1, t[:3], 1) * W1[:3])
            + np.sum(ked.delete_adjoint(g[:, 1:], x, 0, 1) * W2[:3, :4])
            + np.sum(ked.gradient_adjoint(g, x, (0.5,), 1, 2) * W2[:3, :4])
            + np.sum(ked.gradient_tangent(t[:3, None] * g, (), 0) * W2[:3, :4])
            + np.sum(ked.real_if_close_adjoint(g, y) * W2[:3, :4])
            + np.sum(ked.real_if_close_tangent(g * t[0], y) * W2[:3, :4]))


kernel_case(ked.pad_values_adjoint, k_edit_kernels, R18.standard_normal((3, 4)), R18.standard_normal((3, 4)),
            R18.standard_normal(4), R18.standard_normal(2), wrt=(0, 1, 2, 3), label="and the other numpy_edits kernels")
if special is not None:
    from srcdiff.runtime import kernels_special as ksp  # noqa: E402

    def k_rgamma_partial(x):
        return np.sum(ksp.rgamma_partial(x) * W1[:4])

    kernel_case(ksp.rgamma_partial, k_rgamma_partial, np.array([-2.5, -1.3, 0.4, 2.2]))
    kernel_case(ksp.rgamma_partial, k_rgamma_partial, np.array([0.0, -1.0, -2.0, -3.0]), label="at the poles")

    def k_multigammaln_partial(a):
        return np.sum(ksp.multigammaln_partial(a, 3) * W1[:4])

    kernel_case(ksp.multigammaln_partial, k_multigammaln_partial, np.array([1.5, 2.2, 3.1, 4.7]))

if signal is not None:
    from srcdiff.runtime import kernels_signal as ksg  # noqa: E402

    def k_signal(gf, gs, gv, in1, in2):
        """Every transposed convolution of kernels_signal: linear in g and in the operand it reads."""
        total = 0.0
        for mode, gm in (("full", gf), ("same", gs), ("valid", gv)):
            total = total + np.sum(ksg.convolve_lhs(gm, in1, in2, mode, "direct") * W2[:4, :5])
            total = total + np.sum(ksg.convolve_rhs(gm, in1, in2, mode) * W2[:2, :3])
            total = total + np.sum(ksg.correlate_lhs(gm, in1, in2, mode, "fft") * W2[1:5, :5])
            total = total + np.sum(ksg.correlate_rhs(gm, in1, in2, mode) * W2[2:4, :3])
            total = total + np.sum(ksg.correlate2d_lhs(gm, in1, in2, mode) * W2[3:7, 2:7])
            total = total + np.sum(ksg.correlate2d_rhs(gm, in1, in2, mode) * W2[5:7, 1:4])
            total = total + np.sum(ksg.convolve2d_lhs(gm, in1, in2, mode, "wrap") * W2[2:6, 1:6])
            total = total + np.sum(ksg.convolve2d_rhs(gm, in1, in2, mode, "symm") * W2[4:6, 3:6])
            total = total + np.sum(ksg.correlate2d_boundary_lhs(gm, in1, in2, mode, "symm") * W2[1:5, 2:7])
            total = total + np.sum(ksg.correlate2d_boundary_rhs(gm, in1, in2, mode, "wrap") * W2[6:8, :3])
            total = total + np.sum(ksg.fftconvolve_lhs(gm, in1, in2, mode) * W2[3:7, 3:8])
            total = total + np.sum(ksg.fftconvolve_rhs(gm, in1, in2, mode, (0, 1)) * W2[:2, 5:8])
        return total

    kernel_case(ksg.convolve_lhs, k_signal, R18.standard_normal((5, 7)), R18.standard_normal((4, 5)),
                R18.standard_normal((3, 3)), R18.standard_normal((4, 5)), R18.standard_normal((2, 3)),
                wrt=(0, 1, 2, 3, 4), label="and the other kernels_signal transposes")

if sla is not None:
    from srcdiff.runtime import kernels_scipy_linalg as ksl  # noqa: E402

    def k_scipy_linalg(a, e, g, x, q):
        band = (1, 2)
        ab = x[:4] + 4.0 * (np.arange(4) == 2)[:, None]
        total = np.sum(ksl.expm_frechet(a, e) * W2[:3, :3]) + np.sum(ksl.expm_adjoint(g, a) * W2[3:6, :3])
        total = total + np.sum(ksl.sqrtm_adjoint(g, 3.0 * np.eye(3) + a) * W2[:3, 3:6])
        total = total + np.sum(ksl.sqrtm_tangent(e, 3.0 * np.eye(3) + a) * W2[3:6, 3:6])
        total = total + np.sum(ksl.sylvester(3.0 * np.eye(3) + a, 2.0 * np.eye(3) + g, q) * W2[:3, 5:8])
        total = total + np.sum(ksl.banded_transpose(band, ab) * W2[:4, :5])
        total = total + np.sum(ksl.banded_matvec(band, ab, q[0, :3] @ np.ones((3, 5))) * W1[:5])
        total = total + np.sum(ksl.banded_outer(band, x[4], x[5], ab) * W2[4:8, :5])
        return total + np.sum(ksl.solve_banded_adjoint(band, ab, x[4]) * W1[3:8])

    kernel_case(ksl.expm_frechet, k_scipy_linalg, 0.3 * R18.standard_normal((3, 3)), R18.standard_normal((3, 3)),
                R18.standard_normal((3, 3)), R18.standard_normal((6, 5)), R18.standard_normal((3, 3)),
                wrt=(0, 1, 2, 3, 4), label="and the other kernels_scipy_linalg kernels")


@pytest.mark.parametrize("kernel, fun, args, wrt", KERNEL_TANGENT_CASES)
def test_kernel_tangent_rule(kernel, fun, args, wrt):
    assert lookup(kernel) is not None and lookup(kernel).tangent is not None
    rng = np.random.default_rng(3)
    positions = list(wrt) if isinstance(wrt, tuple) else [wrt]
    tangents = [random_like(args[p], rng) for p in positions]
    _, jt = srcdiff.jvp(fun, tuple(args), tuple(tangents) if isinstance(wrt, tuple) else tangents[0], wrt=wrt)
    np.testing.assert_allclose(jt, fd_along(fun, args, wrt, tangents), rtol=1e-5, atol=1e-7)


def test_kernels_in_adjoint_templates_have_tangent_rules():
    """The elementwise, reduction, shape and product kernels that adjoint templates call have a
    tangent rule or are declared non-differentiable. (The linear-algebra and norm kernels, and
    cumprod_adjoint, have none on purpose: srcdiff differentiates their source, which
    test_rule_hessian checks.)"""
    import inspect
    missing = []
    for module in (km, kr, ks, kp, ke):
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                if lookup(fn) is None:
                    missing.append(module.__name__ + "." + name)
    # kernels used only inside tangent templates, or by other kernels, need no rule of their own
    allowed = {"srcdiff.runtime.kernels_math.abs_tangent", "srcdiff.runtime.kernels_math.power_second",
               "srcdiff.runtime.kernels_math.angle_tangent", "srcdiff.runtime.kernels_math.unit_tangent",
               "srcdiff.runtime.kernels_math.sinc_second", "srcdiff.runtime.kernels_einsum.einsum_tangent",
               "srcdiff.runtime.kernels_einsum.einsum_vjp_tangent", "srcdiff.runtime.kernels_einsum.explicit",
               "srcdiff.runtime.kernels_einsum.subscripts_problem", "srcdiff.runtime.kernels_reduce.add_initial",
               "srcdiff.runtime.kernels_reduce.trapezoid_weights", "srcdiff.runtime.kernels_reduce.trapezoid_x_tangent",
               "srcdiff.runtime.kernels_reduce.cumprod_tangent", "srcdiff.runtime.kernels_reduce.cumprod_adjoint",
               "srcdiff.runtime.kernels_shapes.permute", "srcdiff.runtime.kernels_shapes.fill_tangent"}
    assert sorted(set(missing) - allowed) == []


def test_scipy_is_optional(tmp_path):
    """Without SciPy, srcdiff imports and registers no scipy.special rule (scipy_rules is skipped)."""
    import pathlib
    import subprocess
    import sys
    script = tmp_path / "no_scipy.py"
    script.write_text("import sys\n"
                      "sys.modules['scipy'] = None\n"
                      "sys.modules['scipy.special'] = None\n"
                      "import numpy as np\n"
                      "import srcdiff\n"
                      "from srcdiff.rules import all_rules\n"
                      "assert not [r for r in all_rules() if r.name.startswith('scipy')]\n"
                      "def f(x):\n"
                      "    return np.sum(np.logaddexp(x, 0.0))\n"
                      "print(srcdiff.grad(f)(np.zeros(2)))\n")
    root = str(pathlib.Path(srcdiff.__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=False,
                         env={"PYTHONPATH": root, "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert "[0.5 0.5]" in out.stdout


def container_probe(x):
    """A primitive for the test below: returns a tuple, and srcdiff's engine does not list it among
    the functions whose results are containers."""
    return x * 1.0, np.stack([x, x])


def _container_probe_adjoint(y, x):
    d[x] = d[y][0] + numpy.sum(d[y][1], axis=0)  # noqa: F821


def container_probe_indexed(x):
    res = container_probe(x)
    return np.sum(res[0] * res[0]) + np.sum(res[1])


def test_lazy_adjoint_of_a_rule_container_result_element():
    """A rule whose template indexes d[y] returns a container: a summed element's lazy adjoint is expanded, not stored."""
    from srcdiff.rules import registry
    registry.adjoint(container_probe)(_container_probe_adjoint)
    try:
        # d/dx [sum(x * x) + sum(stack([x, x]))] = 2 x + 2
        np.testing.assert_allclose(srcdiff.grad(container_probe_indexed)(np.ones(3)), [4.0, 4.0, 4.0])
    finally:
        registry.remove(container_probe)
