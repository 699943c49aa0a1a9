"""Rules for ``numpy.linalg`` factorizations: cholesky, qr, eigh, eigvalsh, svd, svdvals, lstsq.

Real matrices, batched where NumPy batches. ``cholesky``, ``eigh`` and ``eigvalsh`` read only one
triangle of their input, so the gradient is 0 on the other triangle (and sums the symmetric
pair onto the triangle read). Eigen- and singular-vector rules need distinct eigen- or singular
values; functions of them should not depend on their signs. ``qr`` needs at least as many rows
as columns; ``svd(..., full_matrices=True)`` of a non-square matrix is differentiable only in
the columns ``full_matrices=False`` would return.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels_linalg import (cholesky_adjoint, cholesky_tangent, eigh_adjoint, eigh_tangent, eigvalsh_adjoint,
                                      eigvalsh_tangent, lstsq_adjoint, lstsq_tangent, qr_adjoint, qr_tangent,
                                      svd_adjoint, svd_tangent, svdvals_adjoint, svdvals_tangent)
from .registry import adjoint, tangent
from .refusals import refuse_unless


@adjoint(numpy.linalg.cholesky)
def cholesky(y, a, upper=False):
    d[a] = cholesky_adjoint(d[y], y, upper)


@tangent(numpy.linalg.cholesky)
def cholesky(y, a, upper=False):
    t[y] = cholesky_tangent(t[a], y, upper)


@adjoint(numpy.linalg.qr)
def qr(y, a, mode="reduced"):
    d[a] = qr_adjoint(d[y], a, y, mode)


@tangent(numpy.linalg.qr)
def qr(y, a, mode="reduced"):
    t[y] = qr_tangent(t[a], a, y, mode)


@adjoint(numpy.linalg.eigh)
def eigh(y, a, UPLO="L"):
    d[a] = eigh_adjoint(d[y], y, UPLO)


@tangent(numpy.linalg.eigh)
def eigh(y, a, UPLO="L"):
    t[y] = eigh_tangent(t[a], y, UPLO)


@adjoint(numpy.linalg.eigvalsh)
def eigvalsh(y, a, UPLO="L"):
    d[a] = eigvalsh_adjoint(d[y], a, UPLO)


@tangent(numpy.linalg.eigvalsh)
def eigvalsh(y, a, UPLO="L"):
    t[y] = eigvalsh_tangent(t[a], a, UPLO)


@adjoint(numpy.linalg.svd)
def svd(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        d[a] = svdvals_adjoint(d[y], a)
    else:
        d[a] = svd_adjoint(d[y], a, y, full_matrices)


@tangent(numpy.linalg.svd)
def svd(y, a, full_matrices=True, compute_uv=True, hermitian=False):
    if not compute_uv:
        t[y] = svdvals_tangent(t[a], a)
    else:
        t[y] = svd_tangent(t[a], a, y, full_matrices)


@adjoint(numpy.linalg.svdvals)
def svdvals(y, x):
    d[x] = svdvals_adjoint(d[y], x)


@tangent(numpy.linalg.svdvals)
def svdvals(y, x):
    t[y] = svdvals_tangent(t[x], x)


@adjoint(numpy.linalg.lstsq)
def lstsq(y, a, b, rcond=None):
    d[a] = lstsq_adjoint(d[y], a, b, y)[0]
    d[b] = lstsq_adjoint(d[y], a, b, y)[1]


@tangent(numpy.linalg.lstsq)
def lstsq(y, a, b, rcond=None):
    t[y] = lstsq_tangent(t[a], t[b], a, b, y)


def _qr_mode_check(args):
    if args.get("mode", "reduced") in ("reduced", "r", Ellipsis):
        return None
    return ("srcdiff differentiates numpy.linalg.qr in mode 'reduced' or 'r'; got mode=%r" % (args.get("mode"),),
            "Use mode='reduced' (the default).")


def _svd_check(args):
    if args.get("hermitian") not in (None, False):
        return ("srcdiff differentiates numpy.linalg.svd with hermitian=False only", "Drop hermitian=True.")
    return None


refuse_unless(numpy.linalg.qr, _qr_mode_check)
refuse_unless(numpy.linalg.svd, _svd_check)
