"""Rules for NumPy products: matmul, dot, tensordot, einsum, vdot, cross, kron, convolve and more.

Also inner, outer, vecdot, matvec, vecmat, correlate, polyval and vander.

Products are linear in each operand: a ``bilinear`` rule states the product ``y = P(a, b)`` and
its two adjoints once, and its tangent is derived, ``P(t[a], b) + P(a, t[b])`` (``derive``);
einsum, linear in each of any number of operands, has its own tangent. Functions that conjugate
an operand (``vdot``, ``vecdot``, ``vecmat``, ``correlate``) conjugate its adjoint (see
``numpy_complex``).
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
from ..analysis.shape_rules import matmul_shape
from .facts import kernel
from .registry import adjoint, available, bilinear, shapes, tangent
from .refusals import refuse_unless


@bilinear(numpy.matmul, numpy.linalg.matmul)
def matmul(y, x1, x2):
    y = x1 @ x2
    d[x1] = matmul_lhs(d[y], x1, x2)
    d[x2] = matmul_rhs(d[y], x1, x2)


kernel(numpy.matmul, result_shape=(matmul_shape, ("x1", "x2")))  # for operands of known shapes


@bilinear(numpy.dot)
def dot(y, a, b):
    y = numpy.dot(a, b)
    d[a] = dot_lhs(d[y], a, b)
    d[b] = dot_rhs(d[y], a, b)


kernel(numpy.dot, result_shape=(matmul_shape, ("a", "b")))


@bilinear(numpy.inner)
def inner(y, a, b):
    y = numpy.inner(a, b)
    d[a] = inner_lhs(d[y], a, b)
    d[b] = inner_rhs(d[y], a, b)


@bilinear(numpy.outer, numpy.linalg.outer)
def outer(y, a, b):
    y = numpy.outer(a, b)
    d[a] = numpy.reshape(d[y] @ numpy.ravel(b), numpy.shape(a))
    d[b] = numpy.reshape(numpy.ravel(a) @ d[y], numpy.shape(b))


@bilinear(numpy.tensordot, numpy.linalg.tensordot)
def tensordot(y, a, b, axes=2):
    y = numpy.tensordot(a, b, axes)
    d[a] = tensordot_lhs(d[y], a, b, axes)
    d[b] = tensordot_rhs(d[y], a, b, axes)


# ``optimize`` only chooses the order of contraction: the derivative does not depend on it
@adjoint(numpy.einsum)
def einsum(y, operands, optimize=False):
    d[operands] = [einsum_vjp(d[y], operands, i) for i in range(len(operands))]


@tangent(numpy.einsum)
def einsum(y, operands, optimize=False):
    t[y] = einsum_tangent(operands, t[operands])


# sum(conj(a) * b) over the flattened operands
@bilinear(numpy.vdot)
def vdot(y, a, b):
    y = numpy.vdot(a, b)
    d[a] = numpy.reshape(numpy.conj(d[y] * b), numpy.shape(a))
    d[b] = numpy.reshape(d[y] * numpy.conj(a), numpy.shape(b))


@bilinear(numpy.cross)
def cross(y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    y = numpy.cross(a, b, axisa, axisb, axisc, axis)
    d[a] = cross_lhs(d[y], a, b, axisa, axisb, axisc, axis)
    d[b] = cross_rhs(d[y], a, b, axisa, axisb, axisc, axis)


@bilinear(numpy.linalg.cross)
def linalg_cross(y, x1, x2, axis=-1):
    y = numpy.linalg.cross(x1, x2, axis=axis)
    d[x1] = cross_lhs(d[y], x1, x2, axis, axis, axis)
    d[x2] = cross_rhs(d[y], x1, x2, axis, axis, axis)


@bilinear(numpy.kron)
def kron(y, a, b):
    y = numpy.kron(a, b)
    d[a] = kron_lhs(d[y], a, b)
    d[b] = kron_rhs(d[y], a, b)


@bilinear(numpy.vecdot, numpy.linalg.vecdot)
def vecdot(y, x1, x2, axis=-1):
    y = numpy.vecdot(x1, x2, axis=axis)
    d[x1] = vecdot_lhs(d[y], x1, x2, axis)
    d[x2] = vecdot_rhs(d[y], x1, x2, axis)


@bilinear(*available(numpy, "matvec"))
def matvec(y, x1, x2):
    y = numpy.matvec(x1, x2)
    d[x1] = matvec_lhs(d[y], x1, x2)
    d[x2] = matvec_rhs(d[y], x1, x2)


@bilinear(*available(numpy, "vecmat"))
def vecmat(y, x1, x2):
    y = numpy.vecmat(x1, x2)
    d[x1] = vecmat_lhs(d[y], x1, x2)
    d[x2] = vecmat_rhs(d[y], x1, x2)


@bilinear(numpy.convolve)
def convolve(y, a, v, mode="full"):
    y = numpy.convolve(a, v, mode)
    d[a] = convolve_lhs(d[y], a, v, mode)
    d[v] = convolve_rhs(d[y], a, v, mode)


@bilinear(numpy.correlate)
def correlate(y, a, v, mode="valid"):
    y = numpy.correlate(a, v, mode)
    d[a] = correlate_lhs(d[y], a, v, mode)
    d[v] = correlate_rhs(d[y], a, v, mode)


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
