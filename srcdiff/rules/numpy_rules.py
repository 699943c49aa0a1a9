"""Rules for the ``numpy`` namespace: each adjoint (reverse) template beside its tangent (forward).

Elementwise ufunc rules write the math only; the engine sums contributions back over
broadcast axes (``unbroadcast``) where shapes can differ.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime import expand
from .kernels import (array_adjoint, astype, astype_adjoint, inner_lhs, inner_rhs, item, centered, cumsum_adjoint, diag_adjoint, diff_adjoint, dot_lhs, dot_rhs,
                      einsum_adjoint, expand_scaled, extremum_weights, matmul_lhs, matmul_rhs,
                      prod_partials, reduced_count, split_like, tensordot_lhs, tensordot_rhs,
                      trace_adjoint, transpose_inverse, unstack)
from .registry import adjoint, nondifferentiable, refuse_unless, shapes, tangent

# ------------------------------------------------------------ arithmetic ufuncs


@adjoint(numpy.add)
def add(y, x1, x2):
    d[x1] = d[y]
    d[x2] = d[y]


@tangent(numpy.add)
def add(y, x1, x2):
    t[y] = t[x1] + t[x2]


@adjoint(numpy.subtract)
def subtract(y, x1, x2):
    d[x1] = d[y]
    d[x2] = -d[y]


@tangent(numpy.subtract)
def subtract(y, x1, x2):
    t[y] = t[x1] - t[x2]


@adjoint(numpy.multiply)
def multiply(y, x1, x2):
    d[x1] = d[y] * x2
    d[x2] = d[y] * x1


@tangent(numpy.multiply)
def multiply(y, x1, x2):
    t[y] = t[x1] * x2 + x1 * t[x2]


@adjoint(numpy.true_divide)
def true_divide(y, x1, x2):
    d[x1] = d[y] / x2
    d[x2] = -d[y] * y / x2


@tangent(numpy.true_divide)
def true_divide(y, x1, x2):
    t[y] = (t[x1] - y * t[x2]) / x2


@adjoint(numpy.power)
def power(y, x1, x2):
    d[x1] = d[y] * x2 * x1 ** (x2 - 1)
    d[x2] = d[y] * y * numpy.log(numpy.where(x1 == 0, 1.0, x1))


@tangent(numpy.power)
def power(y, x1, x2):
    t[y] = t[x1] * x2 * x1 ** (x2 - 1) + t[x2] * y * numpy.log(numpy.where(x1 == 0, 1.0, x1))


@adjoint(numpy.negative)
def negative(y, x):
    d[x] = -d[y]


@tangent(numpy.negative)
def negative(y, x):
    t[y] = -t[x]


@adjoint(numpy.positive)
def positive(y, x):
    d[x] = d[y]


@tangent(numpy.positive)
def positive(y, x):
    t[y] = t[x]


@adjoint(numpy.reciprocal)
def reciprocal(y, x):
    d[x] = -d[y] * y * y


@tangent(numpy.reciprocal)
def reciprocal(y, x):
    t[y] = -t[x] * y * y


@adjoint(numpy.square)
def square(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(numpy.square)
def square(y, x):
    t[y] = t[x] * 2.0 * x


@adjoint(numpy.sqrt)
def sqrt(y, x):
    d[x] = d[y] / (2.0 * y)


@tangent(numpy.sqrt)
def sqrt(y, x):
    t[y] = t[x] / (2.0 * y)


@adjoint(numpy.absolute)
def absolute(y, x):
    d[x] = d[y] * numpy.sign(x)


@tangent(numpy.absolute)
def absolute(y, x):
    t[y] = t[x] * numpy.sign(x)


@adjoint(numpy.maximum)
def maximum(y, x1, x2):
    d[x1] = d[y] * ((x1 > x2) + 0.5 * (x1 == x2))
    d[x2] = d[y] * ((x2 > x1) + 0.5 * (x1 == x2))


@tangent(numpy.maximum)
def maximum(y, x1, x2):
    t[y] = t[x1] * ((x1 > x2) + 0.5 * (x1 == x2)) + t[x2] * ((x2 > x1) + 0.5 * (x1 == x2))


@adjoint(numpy.minimum)
def minimum(y, x1, x2):
    d[x1] = d[y] * ((x1 < x2) + 0.5 * (x1 == x2))
    d[x2] = d[y] * ((x2 < x1) + 0.5 * (x1 == x2))


@tangent(numpy.minimum)
def minimum(y, x1, x2):
    t[y] = t[x1] * ((x1 < x2) + 0.5 * (x1 == x2)) + t[x2] * ((x2 < x1) + 0.5 * (x1 == x2))


# ----------------------------------------------------- transcendental ufuncs


@adjoint(numpy.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(numpy.exp)
def exp(y, x):
    t[y] = t[x] * y


@adjoint(numpy.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(numpy.expm1)
def expm1(y, x):
    t[y] = t[x] * (y + 1.0)


@adjoint(numpy.log)
def log(y, x):
    d[x] = d[y] / x


@tangent(numpy.log)
def log(y, x):
    t[y] = t[x] / x


@adjoint(numpy.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(numpy.log1p)
def log1p(y, x):
    t[y] = t[x] / (1.0 + x)


@adjoint(numpy.log2)
def log2(y, x):
    d[x] = d[y] / (x * numpy.log(2.0))


@tangent(numpy.log2)
def log2(y, x):
    t[y] = t[x] / (x * numpy.log(2.0))


@adjoint(numpy.log10)
def log10(y, x):
    d[x] = d[y] / (x * numpy.log(10.0))


@tangent(numpy.log10)
def log10(y, x):
    t[y] = t[x] / (x * numpy.log(10.0))


@adjoint(numpy.sin)
def sin(y, x):
    d[x] = d[y] * numpy.cos(x)


@tangent(numpy.sin)
def sin(y, x):
    t[y] = t[x] * numpy.cos(x)


@adjoint(numpy.cos)
def cos(y, x):
    d[x] = -d[y] * numpy.sin(x)


@tangent(numpy.cos)
def cos(y, x):
    t[y] = -t[x] * numpy.sin(x)


@adjoint(numpy.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(numpy.tan)
def tan(y, x):
    t[y] = t[x] * (1.0 + y * y)


@adjoint(numpy.arcsin)
def arcsin(y, x):
    d[x] = d[y] / numpy.sqrt(1.0 - x * x)


@tangent(numpy.arcsin)
def arcsin(y, x):
    t[y] = t[x] / numpy.sqrt(1.0 - x * x)


@adjoint(numpy.arccos)
def arccos(y, x):
    d[x] = -d[y] / numpy.sqrt(1.0 - x * x)


@tangent(numpy.arccos)
def arccos(y, x):
    t[y] = -t[x] / numpy.sqrt(1.0 - x * x)


@adjoint(numpy.arctan)
def arctan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(numpy.arctan)
def arctan(y, x):
    t[y] = t[x] / (1.0 + x * x)


@adjoint(numpy.sinh)
def sinh(y, x):
    d[x] = d[y] * numpy.cosh(x)


@tangent(numpy.sinh)
def sinh(y, x):
    t[y] = t[x] * numpy.cosh(x)


@adjoint(numpy.cosh)
def cosh(y, x):
    d[x] = d[y] * numpy.sinh(x)


@tangent(numpy.cosh)
def cosh(y, x):
    t[y] = t[x] * numpy.sinh(x)


@adjoint(numpy.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(numpy.tanh)
def tanh(y, x):
    t[y] = t[x] * (1.0 - y * y)


# --------------------------------------------------------- selection, clipping


@adjoint(numpy.where, elementwise=True)
def where(out, condition, x, y):
    d[x] = numpy.where(condition, d[out], 0.0)
    d[y] = numpy.where(condition, 0.0, d[out])


@tangent(numpy.where)
def where(out, condition, x, y):
    t[out] = numpy.where(condition, t[x], t[y])


@adjoint(numpy.clip, elementwise=True)
def clip(y, a, a_min=None, a_max=None):
    if a_min is None:
        d[a] = d[y] * (a <= a_max)
        d[a_max] = d[y] * (a > a_max)
    elif a_max is None:
        d[a] = d[y] * (a >= a_min)
        d[a_min] = d[y] * (a < a_min)
    else:
        d[a] = d[y] * ((a >= a_min) & (a <= a_max))
        d[a_min] = d[y] * (a < a_min)
        d[a_max] = d[y] * (a > a_max)


@tangent(numpy.clip)
def clip(y, a, a_min=None, a_max=None):
    if a_min is None:
        t[y] = t[a] * (a <= a_max) + t[a_max] * (a > a_max)
    elif a_max is None:
        t[y] = t[a] * (a >= a_min) + t[a_min] * (a < a_min)
    else:
        t[y] = t[a] * ((a >= a_min) & (a <= a_max)) + t[a_min] * (a < a_min) + t[a_max] * (a > a_max)


# ------------------------------------------------------------------ reductions


@adjoint(numpy.sum)
def sum_(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        d[a] = expand(d[y], a)
    else:
        d[a] = expand(d[y], a, axis, keepdims)


@tangent(numpy.sum)
def sum_(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        t[y] = numpy.sum(t[a])
    else:
        t[y] = numpy.sum(t[a], axis=axis, keepdims=keepdims)


@adjoint(numpy.mean)
def mean(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        d[a] = expand(d[y] / numpy.size(a), a)
    else:
        d[a] = expand_scaled(d[y], a, y, axis, keepdims)


@tangent(numpy.mean)
def mean(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        t[y] = numpy.mean(t[a])
    else:
        t[y] = numpy.mean(t[a], axis=axis, keepdims=keepdims)


@adjoint(numpy.prod)
def prod(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * prod_partials(a, axis, keepdims)


@tangent(numpy.prod)
def prod(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(t[a] * prod_partials(a, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(numpy.max, numpy.min)
def max_(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * extremum_weights(a, y, axis, keepdims)


@tangent(numpy.max, numpy.min)
def max_(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(t[a] * extremum_weights(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


@adjoint(numpy.var)
def var(y, a, axis=None, ddof=0, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * (2.0 / (reduced_count(a, y) - ddof)) * centered(a, axis)


@tangent(numpy.var)
def var(y, a, axis=None, ddof=0, keepdims=False):
    t[y] = numpy.sum(t[a] * centered(a, axis), axis=axis, keepdims=keepdims) * (
        2.0 / (reduced_count(a, y) - ddof))


@adjoint(numpy.std)
def std(y, a, axis=None, ddof=0, keepdims=False):
    d[a] = expand(d[y] / y, a, axis, keepdims) * centered(a, axis) / (reduced_count(a, y) - ddof)


@tangent(numpy.std)
def std(y, a, axis=None, ddof=0, keepdims=False):
    t[y] = numpy.sum(t[a] * centered(a, axis), axis=axis, keepdims=keepdims) / (
        (reduced_count(a, y) - ddof) * y)


@adjoint(numpy.cumsum)
def cumsum(y, a, axis=None):
    d[a] = cumsum_adjoint(d[y], a, axis)


@tangent(numpy.cumsum)
def cumsum(y, a, axis=None):
    t[y] = numpy.cumsum(t[a], axis=axis)


@adjoint(numpy.diff)
def diff(y, a, n=1, axis=-1):
    d[a] = diff_adjoint(d[y], n, axis)


@tangent(numpy.diff)
def diff(y, a, n=1, axis=-1):
    t[y] = numpy.diff(t[a], n, axis)


@adjoint(numpy.trace)
def trace(y, a, offset=0, axis1=0, axis2=1):
    d[a] = trace_adjoint(d[y], a, offset, axis1, axis2)


@tangent(numpy.trace)
def trace(y, a, offset=0, axis1=0, axis2=1):
    t[y] = numpy.trace(t[a], offset, axis1, axis2)


# --------------------------------------------------------------------- products


@adjoint(numpy.matmul)
def matmul(y, x1, x2):
    d[x1] = matmul_lhs(d[y], x1, x2)
    d[x2] = matmul_rhs(d[y], x1, x2)


@tangent(numpy.matmul)
def matmul(y, x1, x2):
    t[y] = t[x1] @ x2 + x1 @ t[x2]


@adjoint(numpy.dot)
def dot(y, a, b):
    d[a] = dot_lhs(d[y], a, b)
    d[b] = dot_rhs(d[y], a, b)


@tangent(numpy.dot)
def dot(y, a, b):
    t[y] = numpy.dot(t[a], b) + numpy.dot(a, t[b])


@adjoint(numpy.inner)
def inner(y, a, b):
    d[a] = inner_lhs(d[y], a, b)
    d[b] = inner_rhs(d[y], a, b)


@tangent(numpy.inner)
def inner(y, a, b):
    t[y] = numpy.inner(t[a], b) + numpy.inner(a, t[b])


@adjoint(numpy.outer)
def outer(y, a, b):
    d[a] = numpy.reshape(d[y] @ numpy.ravel(b), numpy.shape(a))
    d[b] = numpy.reshape(numpy.ravel(a) @ d[y], numpy.shape(b))


@tangent(numpy.outer)
def outer(y, a, b):
    t[y] = numpy.outer(t[a], b) + numpy.outer(a, t[b])


@adjoint(numpy.tensordot)
def tensordot(y, a, b, axes=2):
    d[a] = tensordot_lhs(d[y], a, b, axes)
    d[b] = tensordot_rhs(d[y], a, b, axes)


@tangent(numpy.tensordot)
def tensordot(y, a, b, axes=2):
    t[y] = numpy.tensordot(t[a], b, axes) + numpy.tensordot(a, t[b], axes)


@adjoint(numpy.einsum)
def einsum(y, operands):
    d[operands] = [einsum_adjoint(d[y], operands[0], operands[1:], i - 1) for i in range(len(operands))]


# ----------------------------------------------------------------- shape changes


@adjoint(numpy.transpose)
def transpose(y, a, axes=None):
    if axes is None:
        d[a] = numpy.transpose(d[y])
    else:
        d[a] = numpy.transpose(d[y], transpose_inverse(axes))


@tangent(numpy.transpose)
def transpose(y, a, axes=None):
    t[y] = numpy.transpose(t[a], axes)


@adjoint(numpy.reshape)
def reshape(y, a, shape):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.reshape)
def reshape(y, a, shape):
    t[y] = numpy.reshape(t[a], shape)


@adjoint(numpy.ravel)
def ravel(y, a):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.ravel)
def ravel(y, a):
    t[y] = numpy.ravel(t[a])


@adjoint(numpy.squeeze)
def squeeze(y, a, axis=None):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.squeeze)
def squeeze(y, a, axis=None):
    t[y] = numpy.squeeze(t[a], axis)


@adjoint(numpy.expand_dims)
def expand_dims(y, a, axis):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.expand_dims)
def expand_dims(y, a, axis):
    t[y] = numpy.expand_dims(t[a], axis)


@adjoint(numpy.diag)
def diag(y, v, k=0):
    d[v] = diag_adjoint(d[y], v, k)


@tangent(numpy.diag)
def diag(y, v, k=0):
    t[y] = numpy.diag(t[v], k)


@adjoint(numpy.concatenate)
def concatenate(y, arrays, axis=0):
    d[arrays] = split_like(d[y], arrays, axis)


@tangent(numpy.concatenate)
def concatenate(y, arrays, axis=0):
    t[y] = numpy.concatenate(t[arrays], axis)


@adjoint(numpy.stack)
def stack(y, arrays, axis=0):
    d[arrays] = unstack(d[y], axis)


@tangent(numpy.stack)
def stack(y, arrays, axis=0):
    t[y] = numpy.stack(t[arrays], axis)


@adjoint(numpy.copy, numpy.asarray, numpy.ascontiguousarray)
def copy(y, a):
    d[a] = d[y]


@tangent(numpy.copy, numpy.asarray, numpy.ascontiguousarray)
def copy(y, a):
    t[y] = t[a]


@adjoint(numpy.array)
def array(y, object):
    d[object] = array_adjoint(d[y], object)


@tangent(numpy.array)
def array(y, object):
    t[y] = numpy.array(t[object])


# ---------------------------------------------------------- no derivative


nondifferentiable(
    numpy.zeros, numpy.ones, numpy.zeros_like, numpy.ones_like, numpy.empty, numpy.empty_like,
    numpy.eye, numpy.identity, numpy.arange, numpy.linspace, numpy.full, numpy.full_like,
    numpy.shape, numpy.ndim, numpy.size, numpy.sign, numpy.floor, numpy.ceil, numpy.round,
    numpy.rint, numpy.trunc, numpy.argmax, numpy.argmin, numpy.argsort, numpy.nonzero,
    numpy.isnan, numpy.isfinite, numpy.isinf, numpy.equal, numpy.not_equal, numpy.less,
    numpy.less_equal, numpy.greater, numpy.greater_equal, numpy.logical_and, numpy.logical_or,
    numpy.logical_not, numpy.logical_xor, numpy.floor_divide, numpy.any, numpy.all,
    numpy.count_nonzero, numpy.searchsorted, numpy.allclose, numpy.isclose, numpy.array_equal,
    numpy.invert, numpy.bitwise_and, numpy.bitwise_or, numpy.bitwise_xor, numpy.left_shift,
    numpy.right_shift, numpy.random.default_rng, numpy.result_type, numpy.broadcast_shapes,
)



@adjoint(astype)
def astype_(y, a, dtype):
    d[a] = astype_adjoint(d[y], a, y)


@tangent(astype)
def astype_(y, a, dtype):
    t[y] = astype_adjoint(t[a], a, y)


@adjoint(item)
def item_(y, a):
    d[a] = expand(d[y], a)


@tangent(item)
def item_(y, a):
    t[y] = numpy.sum(t[a])


shapes(reduce=(numpy.sum, numpy.mean, numpy.prod, numpy.max, numpy.min, numpy.var, numpy.std,
               numpy.linalg.norm, numpy.any, numpy.all, numpy.count_nonzero, numpy.argmax, numpy.argmin),
       scalar=(item, numpy.size, numpy.ndim, numpy.vdot if hasattr(numpy, "vdot") else item),
       elementwise=(numpy.sign, numpy.floor, numpy.ceil, numpy.round, numpy.rint, numpy.trunc, numpy.isnan,
                    numpy.isfinite, numpy.isinf))



def _einsum_check(args):
    operands = args.get("operands") or ()
    spec = operands[0] if operands and isinstance(operands[0], str) else None
    if spec is not None and ("..." in spec or "->" not in spec):
        return ("srcdiff differentiates numpy.einsum only with explicit output subscripts and no ellipsis; "
                "got %r" % spec, "Write the subscripts out in full, like 'ij,jk->ik'.")
    return None


refuse_unless(numpy.einsum, _einsum_check)
