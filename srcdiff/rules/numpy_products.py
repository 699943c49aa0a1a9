"""Rules for NumPy products: matmul, dot, tensordot, einsum, vdot, cross, kron, convolve and more.

Also inner, outer, vecdot, matvec, vecmat, correlate, polyval and vander.

Products are linear in each operand, so each tangent is a sum of products with one tangent
operand. Functions that conjugate an operand (``vdot``, ``vecdot``, ``vecmat``, ``correlate``)
conjugate its adjoint (see ``numpy_complex``).
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels import (dot_lhs, dot_rhs, inner_lhs, inner_rhs, matmul_lhs, matmul_rhs, tensordot_lhs,
                               tensordot_rhs)
from ..runtime.kernels_einsum import einsum_tangent, einsum_vjp, subscripts_problem
from ..runtime.kernels_products import (convolve_lhs, convolve_rhs, correlate_lhs, correlate_rhs, cross_lhs, cross_rhs,
                                        kron_lhs, kron_rhs, matvec_lhs, matvec_rhs, polyval_coefficients,
                                        polyval_derivative, vander_partials, vecdot_lhs, vecdot_rhs, vecmat_lhs,
                                        vecmat_rhs)
from .registry import adjoint, available, refuse_unless, shapes, tangent


@adjoint(numpy.matmul, numpy.linalg.matmul)
def matmul(y, x1, x2):
    d[x1] = matmul_lhs(d[y], x1, x2)
    d[x2] = matmul_rhs(d[y], x1, x2)


@tangent(numpy.matmul, numpy.linalg.matmul)
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


@adjoint(numpy.outer, numpy.linalg.outer)
def outer(y, a, b):
    d[a] = numpy.reshape(d[y] @ numpy.ravel(b), numpy.shape(a))
    d[b] = numpy.reshape(numpy.ravel(a) @ d[y], numpy.shape(b))


@tangent(numpy.outer, numpy.linalg.outer)
def outer(y, a, b):
    t[y] = numpy.outer(t[a], b) + numpy.outer(a, t[b])


@adjoint(numpy.tensordot, numpy.linalg.tensordot)
def tensordot(y, a, b, axes=2):
    d[a] = tensordot_lhs(d[y], a, b, axes)
    d[b] = tensordot_rhs(d[y], a, b, axes)


@tangent(numpy.tensordot, numpy.linalg.tensordot)
def tensordot(y, a, b, axes=2):
    t[y] = numpy.tensordot(t[a], b, axes) + numpy.tensordot(a, t[b], axes)


@adjoint(numpy.einsum)
def einsum(y, operands):
    d[operands] = [einsum_vjp(d[y], operands, i) for i in range(len(operands))]


@tangent(numpy.einsum)
def einsum(y, operands):
    t[y] = einsum_tangent(operands, t[operands])


# sum(conj(a) * b) over the flattened operands
@adjoint(numpy.vdot)
def vdot(y, a, b):
    d[a] = numpy.reshape(numpy.conj(d[y] * b), numpy.shape(a))
    d[b] = numpy.reshape(d[y] * numpy.conj(a), numpy.shape(b))


@tangent(numpy.vdot)
def vdot(y, a, b):
    t[y] = numpy.vdot(t[a], b) + numpy.vdot(a, t[b])


@adjoint(numpy.cross)
def cross(y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[a] = cross_lhs(d[y], a, b, axisa, axisb, axisc, axis)
    d[b] = cross_rhs(d[y], a, b, axisa, axisb, axisc, axis)


@tangent(numpy.cross)
def cross(y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    t[y] = numpy.cross(t[a], b, axisa, axisb, axisc, axis) + numpy.cross(a, t[b], axisa, axisb, axisc, axis)


@adjoint(numpy.linalg.cross)
def linalg_cross(y, x1, x2, axis=-1):
    d[x1] = cross_lhs(d[y], x1, x2, axis, axis, axis)
    d[x2] = cross_rhs(d[y], x1, x2, axis, axis, axis)


@tangent(numpy.linalg.cross)
def linalg_cross(y, x1, x2, axis=-1):
    t[y] = numpy.linalg.cross(t[x1], x2, axis=axis) + numpy.linalg.cross(x1, t[x2], axis=axis)


@adjoint(numpy.kron)
def kron(y, a, b):
    d[a] = kron_lhs(d[y], a, b)
    d[b] = kron_rhs(d[y], a, b)


@tangent(numpy.kron)
def kron(y, a, b):
    t[y] = numpy.kron(t[a], b) + numpy.kron(a, t[b])


@adjoint(numpy.vecdot, numpy.linalg.vecdot)
def vecdot(y, x1, x2, axis=-1):
    d[x1] = vecdot_lhs(d[y], x1, x2, axis)
    d[x2] = vecdot_rhs(d[y], x1, x2, axis)


@tangent(numpy.vecdot, numpy.linalg.vecdot)
def vecdot(y, x1, x2, axis=-1):
    t[y] = numpy.vecdot(t[x1], x2, axis=axis) + numpy.vecdot(x1, t[x2], axis=axis)


@adjoint(*available(numpy, "matvec"))
def matvec(y, x1, x2):
    d[x1] = matvec_lhs(d[y], x1, x2)
    d[x2] = matvec_rhs(d[y], x1, x2)


@tangent(*available(numpy, "matvec"))
def matvec(y, x1, x2):
    t[y] = numpy.matvec(t[x1], x2) + numpy.matvec(x1, t[x2])


@adjoint(*available(numpy, "vecmat"))
def vecmat(y, x1, x2):
    d[x1] = vecmat_lhs(d[y], x1, x2)
    d[x2] = vecmat_rhs(d[y], x1, x2)


@tangent(*available(numpy, "vecmat"))
def vecmat(y, x1, x2):
    t[y] = numpy.vecmat(t[x1], x2) + numpy.vecmat(x1, t[x2])


@adjoint(numpy.convolve)
def convolve(y, a, v, mode="full"):
    d[a] = convolve_lhs(d[y], a, v, mode)
    d[v] = convolve_rhs(d[y], a, v, mode)


@tangent(numpy.convolve)
def convolve(y, a, v, mode="full"):
    t[y] = numpy.convolve(t[a], v, mode) + numpy.convolve(a, t[v], mode)


@adjoint(numpy.correlate)
def correlate(y, a, v, mode="valid"):
    d[a] = correlate_lhs(d[y], a, v, mode)
    d[v] = correlate_rhs(d[y], a, v, mode)


@tangent(numpy.correlate)
def correlate(y, a, v, mode="valid"):
    t[y] = numpy.correlate(t[a], v, mode) + numpy.correlate(a, t[v], mode)


@adjoint(numpy.polyval)
def polyval(y, p, x):
    d[p] = polyval_coefficients(d[y], p, x)
    d[x] = d[y] * polyval_derivative(p, x)


@tangent(numpy.polyval)
def polyval(y, p, x):
    t[y] = numpy.polyval(t[p], x) + t[x] * polyval_derivative(p, x)


@adjoint(numpy.vander)
def vander(y, x, N=None, increasing=False):
    d[x] = numpy.sum(d[y] * vander_partials(x, N, increasing), axis=1)


@tangent(numpy.vander)
def vander(y, x, N=None, increasing=False):
    t[y] = numpy.expand_dims(t[x], 1) * vander_partials(x, N, increasing)


def _einsum_check(args):
    """Malformed string subscripts are refused where they are written (every other form is supported)."""
    operands = args.get("operands") or ()
    if operands and isinstance(operands[0], str):
        problem = subscripts_problem(operands[0], len(operands) - 1)
        if problem:
            return "numpy.einsum: " + problem, "Write subscripts like 'ij,jk->ik', one term per operand."
    return None


refuse_unless(numpy.einsum, _einsum_check)
shapes(scalar=(numpy.vdot,))
