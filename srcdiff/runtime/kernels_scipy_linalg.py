"""Numeric helpers for ``scipy.linalg`` rules: Fréchet derivatives of expm, sqrtm's Sylvester equation, banded matrices.

Transposes are taken under the bilinear pairing sum(g * y) (no conjugate), as everywhere in srcdiff; the
Fréchet derivative of a matrix function with a real power series satisfies L(A)^T = L(A^T).
"""
from __future__ import annotations

import numpy
import scipy.linalg

from .kernels import refuse


def _t(a):
    return numpy.swapaxes(a, -1, -2)


def expm_frechet(a, e):
    """The derivative of ``expm`` at ``a`` in the direction ``e`` (stacks of matrices too)."""
    a, e = numpy.broadcast_arrays(a, e)
    if a.ndim == 2:
        return scipy.linalg.expm_frechet(a, e, compute_expm=False)
    out = numpy.empty(a.shape, dtype=numpy.result_type(a, e, float))
    for idx in numpy.ndindex(*a.shape[:-2]):
        out[idx] = scipy.linalg.expm_frechet(a[idx], e[idx], compute_expm=False)
    return out


def expm_second(a, e, f):
    """The second derivative of ``expm`` at ``a`` in the directions ``e`` and ``f``: the Fréchet derivative
    of expm([[a, e], [0, a]]) along [[f, 0], [0, f]], whose upper right block is it."""
    n = numpy.shape(a)[-1]
    zero = numpy.zeros_like(e)
    big = numpy.concatenate([numpy.concatenate([a, e], -1), numpy.concatenate([numpy.zeros_like(a), a], -1)], -2)
    step = numpy.concatenate([numpy.concatenate([f, zero], -1), numpy.concatenate([zero, f], -1)], -2)
    return expm_frechet(big, step)[..., :n, n:]


def expm_adjoint(g, a):
    """Adjoint of ``scipy.linalg.expm(a)``: the Fréchet derivative at a^T along the cotangent."""
    return expm_frechet(_t(a), g)


def sylvester(a, b, q):
    """``scipy.linalg.solve_sylvester(a, b, q)`` with the three in one dtype: SciPy solves real ``a``, ``b``
    with a complex ``q`` wrongly (a real Schur form handed to the complex solver) where ``a`` or ``b``
    has complex eigenvalues."""
    dtype = numpy.result_type(a, b, q, float)
    return scipy.linalg.solve_sylvester(numpy.asarray(a, dtype), numpy.asarray(b, dtype), numpy.asarray(q, dtype))


def _check_sylvester(x):
    """Refuse where the Sylvester operator X Z + Z X is singular: sqrtm has no derivative there."""
    lam = numpy.linalg.eigvals(x)
    sums = numpy.abs(numpy.expand_dims(lam, -1) + numpy.expand_dims(lam, -2))
    scale = numpy.max(numpy.abs(lam), initial=0.0)
    if numpy.any(sums <= 1e3 * numpy.finfo(float).eps * scale):  # NaN compares False: NaN in, NaN out
        refuse(x, "scipy.linalg.sqrtm has no derivative at this matrix: its square root has two eigenvalues "
               "l_i, l_j with l_i + l_j = 0 (a singular matrix has l = 0), where the derivative is infinite")


def _not_finite(x, g):
    """NaN in, NaN out: a square root with NaN or inf entries gives a NaN derivative (LAPACK refuses them)."""
    return not numpy.all(numpy.isfinite(x)) or not numpy.all(numpy.isfinite(g))


def _nans(x, g):
    return numpy.full(numpy.shape(g), numpy.nan, dtype=numpy.result_type(x, g, float))


def sqrtm_adjoint(g, x):
    """Adjoint of ``y = scipy.linalg.sqrtm(a)``: solve x^T Z + Z x^T = g."""
    if _not_finite(x, g):
        return _nans(x, g)
    _check_sylvester(x)
    return sylvester(_t(x), _t(x), g)


def sqrtm_tangent(e, x):
    """Tangent of ``x = scipy.linalg.sqrtm(a)`` along ``e``: solve x Z + Z x = e."""
    if _not_finite(x, e):
        return _nans(x, e)
    _check_sylvester(x)
    return sylvester(x, x, e)


def banded_transpose(l_and_u, ab):
    """The band storage (lower u, upper l) of the transpose of the matrix stored in ``ab`` with (l, u)."""
    lower, upper = l_and_u
    out = numpy.zeros_like(ab)
    n = numpy.shape(ab)[-1]
    for k in range(lower + upper + 1):  # out[k, j] = ab[u + l - k, j + k - l]
        shift = k - lower
        lo, hi = max(0, -shift), min(n, n - shift)
        out[k, lo:hi] = ab[upper + lower - k, lo + shift:hi + shift]
    return out


def banded_matvec(l_and_u, ab, x):
    """The band-stored matrix ``ab`` times ``x`` (a vector, or columns)."""
    lower, upper = l_and_u
    n = numpy.shape(ab)[-1]
    x = numpy.asarray(x)
    out = numpy.zeros(x.shape, dtype=numpy.result_type(ab, x))
    for r in range(lower + upper + 1):  # A[i, j] = ab[u + i - j, j] with i = j + r - u
        shift = r - upper
        lo, hi = max(0, -shift), min(n, n - shift)
        column = ab[r, lo:hi]
        out[lo + shift:hi + shift] += (column[:, None] if x.ndim > 1 else column) * x[lo:hi]
    return out


def banded_outer(l_and_u, g, x, like):
    """The band storage of -g x^T (summed over columns), restricted to the band of ``like``: the
    adjoint of ``solve_banded`` with respect to the band, where ``g`` solves the transposed system."""
    lower, upper = l_and_u
    n = numpy.shape(like)[-1]
    g, x = numpy.asarray(g), numpy.asarray(x)
    out = numpy.zeros(numpy.shape(like), dtype=numpy.result_type(g, x))
    for r in range(lower + upper + 1):
        shift = r - upper
        lo, hi = max(0, -shift), min(n, n - shift)
        prod = g[lo + shift:hi + shift] * x[lo:hi]
        out[r, lo:hi] = -(numpy.sum(prod, axis=-1) if prod.ndim > 1 else prod)
    return out


def solve_banded_adjoint(l_and_u, ab, g):
    """Solve the transposed banded system A^T z = g."""
    lower, upper = l_and_u
    return scipy.linalg.solve_banded((upper, lower), banded_transpose(l_and_u, ab), g)
