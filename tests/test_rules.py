"""Every registered reverse-mode derivative rule, checked against central finite differences."""
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest

import srcdiff
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


# ------------------------------------------------------------------ the table


@dataclass
class Case:
    prim: object  # the registered primitive this case exercises
    fun: object
    args: tuple
    wrt: object
    label: str
    bug: str = ""  # non-empty: a known srcdiff bug, the case is a strict xfail

    @property
    def id(self):
        return "%s[%s]" % (prim_name(self.prim), self.label)


CASES = []


def case(prim, fun, *args, wrt=0, label=None, bug=""):
    CASES.append(Case(prim, fun, args, wrt, label or fun.__name__, bug))


def prim_name(prim):
    module = getattr(prim, "__module__", None) or ""
    name = getattr(prim, "__name__", repr(prim))
    if isinstance(prim, np.ufunc):
        return name
    if module.startswith("numpy.linalg"):
        return "linalg." + name
    if module == "math" or prim in vars(math).values():
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
    x34 = away_from(unif(_lo, _hi, 3, 4), [0.0]) if _name == "absolute" else unif(_lo, _hi, 3, 4)
    case(getattr(np, _name), unary_ufunc_case(_name), x34, label="np.%s" % _name)


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


def binary_call(fn):
    def binary(x, y):
        return np.sum(fn(x, y) * W2[:3, :4])
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
    _call = binary_call(_prim) if isinstance(_prim, np.ufunc) else None
    for _sx, _sy in BROADCAST:
        _shapes = "%s,%s" % (shape_label(_sx), shape_label(_sy))
        _args = (operand(_sx, *_dx), operand(_sy, *_dy))
        if _call is not None:
            case(_prim, _call, *_args, wrt=(0, 1), label="np.%s(%s)" % (_prim.__name__, _shapes))
        if _op is not None:
            case(_prim, _op, *_args, wrt=(0, 1), label="%s(%s)" % (_op.__name__, _shapes))


def op_pow_int(x):
    return np.sum(x ** 3 * W2[:3, :4])


def op_rpow(x):
    return np.sum(2.0 ** x * W2[:3, :4])


def op_mixed_floats(a, b):
    return (a * b - a / b + a ** b) * C


case(np.power, op_pow_int, normal(3, 4), label="x**3")
case(np.power, op_rpow, normal(3, 4), label="2.0**x")
case(np.multiply, op_mixed_floats, 1.3, 0.7, wrt=(0, 1), label="floats a*b-a/b+a**b")

# ties: numpy.maximum/minimum split the cotangent evenly, which is what central differences see
TIE_X, TIE_Y = np.array([[0.5, -0.2], [0.3, 0.1]]), np.array([[0.5, 0.4], [-0.3, 0.1]])
case(np.maximum, binary_call(np.maximum), TIE_X, TIE_Y, wrt=(0, 1), label="ties")
case(np.minimum, binary_call(np.minimum), TIE_X, TIE_Y, wrt=(0, 1), label="ties")

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
     bug="template `if a_min is None` on a variable becomes a runtime if; codegen: cannot print Contribution")

# ------------------------------------------------------------------ reductions

REDUCTIONS = [np.sum, np.mean, np.prod, np.max, np.min, np.var, np.std]
X234 = normal(2, 3, 4)
PROD_X = RNG.choice([-1.0, 1.0], (2, 3, 4)) * unif(0.6, 1.4, 2, 3, 4)
IF_BUG = ("axis given as a tuple is hoisted to a variable, so the template's `if axis is None` "
          "becomes a runtime if; codegen: cannot print Contribution")


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
        _bug = IF_BUG if _fn in (np.sum, np.mean) and "(" in _label else ""
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


def max_ties(x):
    return np.sum(np.max(x, axis=1) * W1[:2])


def min_ties(x):
    return np.sum(np.min(x, axis=0) * W1[:3])


for _prim, _f in [(np.sum, sum_method), (np.mean, mean_method), (np.prod, prod_method), (np.max, max_method),
                  (np.min, min_method), (np.var, var_method), (np.std, std_method)]:
    case(_prim, _f, PROD_X if _prim is np.prod else X234)
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

