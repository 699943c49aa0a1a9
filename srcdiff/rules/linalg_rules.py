"""Rules for ``numpy.linalg`` functions of whole matrices: inv, det, slogdet, solve, pinv, norms...

Also matrix_power, multi_dot and trace: adjoint (reverse) and tangent (forward) templates side
by side.

Matrix arguments may be stacks (batched over leading axes) wherever NumPy allows it. Norms have a
zero gradient where the norm is 0.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels import det_adjoint, solve_adjoint_a, trace_adjoint
from ..runtime.kernels_linalg import (matrix_power_adjoint, matrix_power_tangent, multi_dot_adjoint, multi_dot_tangent,
                                      pinv_adjoint, pinv_tangent, slogdet_sign_adjoint, slogdet_tangent)
from ..runtime.kernels_norms import norm_adjoint, norm_tangent, vector_norm_adjoint, vector_norm_tangent
from .registry import adjoint, shapes, tangent
from .refusals import refuse_unless


@adjoint(numpy.linalg.inv)
def inv(y, a):
    d[a] = -numpy.swapaxes(y, -1, -2) @ d[y] @ numpy.swapaxes(y, -1, -2)


@tangent(numpy.linalg.inv)
def inv(y, a):
    t[y] = -y @ t[a] @ y


@adjoint(numpy.linalg.det)
def det(y, a):
    d[a] = det_adjoint(d[y], a, y)


@tangent(numpy.linalg.det)
def det(y, a):
    t[y] = y * numpy.trace(numpy.linalg.solve(a, t[a]), axis1=-2, axis2=-1)


# (sign, log|det|): log|det| contributes d * inv(a)^T; the sign only for complex matrices
@adjoint(numpy.linalg.slogdet)
def slogdet(y, a):
    d[a] = numpy.expand_dims(numpy.real(d[y][1]), (-1, -2)) * numpy.swapaxes(numpy.linalg.inv(a), -1, -2)
    d[a] = slogdet_sign_adjoint(d[y][0], a, y[0])


@tangent(numpy.linalg.slogdet)
def slogdet(y, a):
    t[y] = slogdet_tangent(t[a], a, y)


@adjoint(numpy.linalg.solve)
def solve(y, a, b):
    g = numpy.linalg.solve(numpy.swapaxes(a, -1, -2), d[y])
    d[a] = solve_adjoint_a(g, y)
    d[b] = g


@tangent(numpy.linalg.solve)
def solve(y, a, b):
    t[y] = numpy.linalg.solve(a, t[b] - t[a] @ y)


# exact while the rank stays constant
@adjoint(numpy.linalg.pinv)
def pinv(y, a, rcond=None, hermitian=False):
    d[a] = pinv_adjoint(d[y], a, y)


@tangent(numpy.linalg.pinv)
def pinv(y, a, rcond=None, hermitian=False):
    t[y] = pinv_tangent(t[a], a, y)


@adjoint(numpy.linalg.matrix_power)
def matrix_power(y, a, n):
    d[a] = matrix_power_adjoint(d[y], a, n)


@tangent(numpy.linalg.matrix_power)
def matrix_power(y, a, n):
    t[y] = matrix_power_tangent(t[a], a, n)


@adjoint(numpy.linalg.multi_dot)
def multi_dot(y, arrays):
    d[arrays] = multi_dot_adjoint(d[y], arrays)


@tangent(numpy.linalg.multi_dot)
def multi_dot(y, arrays):
    t[y] = multi_dot_tangent(arrays, t[arrays])


@adjoint(numpy.linalg.trace)
def linalg_trace(y, x, offset=0):
    d[x] = trace_adjoint(d[y], x, offset, -2, -1)


@tangent(numpy.linalg.trace)
def linalg_trace(y, x, offset=0):
    t[y] = numpy.linalg.trace(t[x], offset=offset)


@adjoint(numpy.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_adjoint(d[y], x, y, ord, axis, keepdims)


@tangent(numpy.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    t[y] = norm_tangent(t[x], x, y, ord, axis, keepdims)


@adjoint(numpy.linalg.matrix_norm)
def matrix_norm(y, x, keepdims=False, ord="fro"):
    d[x] = norm_adjoint(d[y], x, y, ord, (-2, -1), keepdims)


@tangent(numpy.linalg.matrix_norm)
def matrix_norm(y, x, keepdims=False, ord="fro"):
    t[y] = norm_tangent(t[x], x, y, ord, (-2, -1), keepdims)


@adjoint(numpy.linalg.vector_norm)
def vector_norm(y, x, axis=None, keepdims=False, ord=2):
    d[x] = vector_norm_adjoint(d[y], x, y, ord, axis, keepdims)


@tangent(numpy.linalg.vector_norm)
def vector_norm(y, x, axis=None, keepdims=False, ord=2):
    t[y] = vector_norm_tangent(t[x], x, y, ord, axis, keepdims)


_KNOWN_ORDS = (None, "fro", "nuc", 0, 1, -1, 2, -2, float("inf"), float("-inf"))


def _norm_check(args):
    ord_ = args.get("ord")
    if ord_ in _KNOWN_ORDS or ord_ is Ellipsis or \
            isinstance(ord_, (int, float)) and not isinstance(ord_, bool) and ord_ >= 1:
        return None
    return ("srcdiff differentiates numpy.linalg.norm for ord=None, 'fro', 'nuc', +-1, +-2, +-inf and vector "
            "p-norms with p >= 1; got ord=%r" % (ord_,),
            "Write the norm out with NumPy (for example numpy.sqrt(numpy.sum(x ** 2))).")


def _vector_norm_check(args):
    ord_ = args.get("ord", 2)
    if ord_ in _KNOWN_ORDS or ord_ is Ellipsis or isinstance(ord_, (int, float)) and not isinstance(ord_, bool):
        return None
    return ("srcdiff differentiates numpy.linalg.vector_norm for numeric ord; got ord=%r" % (ord_,),
            "Pass a number or +-inf as ord.")


def _matrix_norm_check(args):
    ord_ = args.get("ord", "fro")
    if ord_ in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")) or ord_ is Ellipsis:
        return None
    return ("srcdiff differentiates numpy.linalg.matrix_norm for ord in 'fro', 'nuc', +-1, +-2, +-inf; got %r"
            % (ord_,), "Pass one of those.")


refuse_unless(numpy.linalg.norm, _norm_check)
refuse_unless(numpy.linalg.vector_norm, _vector_norm_check)
refuse_unless(numpy.linalg.matrix_norm, _matrix_norm_check)
shapes(reduce=(numpy.linalg.norm, numpy.linalg.vector_norm))
