"""Derivatives of complex matrix factorizations: cholesky, qr, eigh, eigvalsh, svd, svdvals, pinv.

Derivatives follow srcdiff's complex convention (see ``numpy_complex``): a cotangent ``g`` pairs with
a change ``dw`` as ``Re(sum(g * dw))``. The formulas below work with ``conj(g)`` (``gb``), for which
the pairing is the Frobenius product ``Re(tr(gb^H dw))`` of the textbook derivations.

Eigenvectors and singular vectors are defined up to a phase each (``v_k -> exp(i phi_k) v_k``; for
the SVD ``u_k`` and ``v_k`` turn together). LAPACK fixes it by making the first row of ``V`` (of
``U``; the last row for ``eigh(UPLO='U')``) real; the derivatives here keep that row real, so
they are the derivatives of what NumPy returns, in both modes. Where no such row is real (another
LAPACK) or it has a zero entry, the phase is unknown: a reverse-mode cotangent that depends on it,
and every forward-mode tangent of the vectors, is refused. ``cholesky`` and ``qr`` have no phase
freedom (LAPACK's factors have a real diagonal).
"""
from __future__ import annotations

import numpy

from .kernels import refuse


def _H(x):
    return numpy.conj(numpy.swapaxes(x, -1, -2))


def _diag_embed(v):
    return numpy.expand_dims(v, -1) * numpy.eye(numpy.shape(v)[-1])


def _diag(x):
    return numpy.diagonal(x, 0, -2, -1)


def _gap_inverse(w, square=False):
    """F[i, j] = 1 / (w_j - w_i) (of squares when ``square``), 0 on the diagonal and for equal values."""
    v = w * w if square else w
    gap = numpy.expand_dims(v, -2) - numpy.expand_dims(v, -1)
    return numpy.where(gap == 0, 0.0, 1.0 / numpy.where(gap == 0, 1.0, gap))


def from_hermitian_triangle(x, lower=True):
    """The Hermitian matrix a routine that reads one triangle of ``x`` sees (real diagonal)."""
    part = numpy.tril(x, -1) if lower else numpy.triu(x, 1)
    return part + _H(part) + _diag_embed(numpy.real(_diag(x)))


def to_hermitian_triangle(m, lower=True):
    """Gradient of ``f(from_hermitian_triangle(A))`` from a gradient ``m`` valid for Hermitian changes."""
    both = m + numpy.conj(numpy.swapaxes(m, -1, -2))
    part = numpy.tril(both, -1) if lower else numpy.triu(both, 1)
    return part + _diag_embed(numpy.real(_diag(m)))


def _real_row(v):
    """The row (0 or -1) LAPACK made real (and non-zero) in the vectors ``v``, or None: its phase
    convention (the first row; the last one for eigh(UPLO='U'))."""
    for k in (0, -1):
        row = v[..., k, :]
        if numpy.all(numpy.abs(numpy.imag(row)) <= 1e-13 * numpy.abs(row)) and numpy.all(row != 0):
            return k
    return None


def _phase_cotangent(c, v, k):
    """The cotangent of ``v`` that accounts for LAPACK's phase convention (row ``k`` of ``v`` real): a
    cotangent depends on the phases through ``c = Im(diag(V^H conj(g)))``; keeping that row real
    turns this into a cotangent on the row."""
    extra = numpy.zeros(numpy.shape(v), dtype=complex)
    extra[..., k, :] = 1j * c / numpy.real(v[..., k, :])
    return extra


def _unknown_phase(c, v, what):
    """``v``, after refusing a cotangent that depends on phases (``c``) no convention fixes."""
    if numpy.size(c) and numpy.max(numpy.abs(c)) > 1e-10:
        v = refuse(v, "the result depends on the phase of the complex %s, which is arbitrary (this LAPACK does not "
                   "make their first row real); use a function that does not depend on it, such as abs(v) or "
                   "v @ v.conj().T" % what)
    return v


def _phase_tangent(tv, v, k):
    """The change of phase ``i theta`` (a row, one per column of ``v``) that keeps row ``k`` of
    ``v + tv`` real (LAPACK's convention)."""
    return numpy.expand_dims(-1j * numpy.imag(tv[..., k, :] / v[..., k, :]), -2)


def _unknown_phase_tangent(tv, what):
    return refuse(tv, "srcdiff cannot differentiate the complex %s in forward mode here: this LAPACK does not make "
                  "their first row real, so their phase is unknown; use reverse mode (grad, vjp)" % what)


def eigh_adjoint(g, y, UPLO="L"):
    """Adjoint of ``numpy.linalg.eigh`` for complex Hermitian input."""
    (gw, gv), (w, v) = g, y
    gb = numpy.conj(gv)
    c = numpy.imag(_diag(_H(v) @ gb))
    k = _real_row(v)
    if k is not None:
        gb = gb + numpy.conj(_phase_cotangent(c, v, k))
    else:
        v = _unknown_phase(c, v, "eigenvectors")
    inner = _gap_inverse(w) * (_H(v) @ gb) + _diag_embed(numpy.real(gw))
    return to_hermitian_triangle(numpy.conj(v @ inner @ _H(v)), lower=UPLO == "L")


def eigh_tangent(ta, y, UPLO="L"):
    """Tangent of ``numpy.linalg.eigh`` for complex Hermitian input: (Re diag(P), V (F o P)), P = V^H S V."""
    w, v = y
    p = _H(v) @ from_hermitian_triangle(ta, lower=UPLO == "L") @ v
    tv = v @ (_gap_inverse(w) * p)
    k = _real_row(v)
    if k is None:
        tv = _unknown_phase_tangent(tv, "eigenvectors")
        k = 0
    return numpy.real(_diag(p)), tv + v * _phase_tangent(tv, v, k)


def eigvalsh_adjoint(g, a, UPLO="L"):
    """Adjoint of ``numpy.linalg.eigvalsh`` for complex input: conj(V diag(g) V^H) on the triangle read."""
    _, v = numpy.linalg.eigh(a, UPLO=UPLO)
    return to_hermitian_triangle(numpy.conj(v @ _diag_embed(numpy.real(g)) @ _H(v)), lower=UPLO == "L")


def eigvalsh_tangent(ta, a, UPLO="L"):
    """Tangent of ``numpy.linalg.eigvalsh`` for complex input: Re diag(V^H S V)."""
    _, v = numpy.linalg.eigh(a, UPLO=UPLO)
    return numpy.real(_diag(_H(v) @ from_hermitian_triangle(ta, lower=UPLO == "L") @ v))


def svd_adjoint(gu, gs, gv, u, s, v):
    """Adjoint of the thin complex SVD ``a = u diag(s) v^H`` from the cotangents of ``u``, ``s`` and ``v``."""
    c = numpy.imag(_diag(_H(u) @ numpy.conj(gu)) + _diag(_H(v) @ numpy.conj(gv)))
    row_u, row_v = _real_row(u), _real_row(v)
    if row_u is not None:  # LAPACK makes the first row of u (wide matrices) or of v (the others) real
        gu = gu + _phase_cotangent(c, u, row_u)
    elif row_v is not None:
        gv = gv + _phase_cotangent(c, v, row_v)
    else:
        u = _unknown_phase(c, u, "singular vectors")
    gbu, gbv = numpy.conj(gu), numpy.conj(gv)
    ku, kv = _H(u) @ gbu, _H(v) @ gbv
    f = _gap_inverse(s, square=True)
    row, col = numpy.expand_dims(s, -2), numpy.expand_dims(s, -1)  # s_j across, s_i down
    inv_s = 1.0 / numpy.where(s == 0, numpy.inf, s)
    inner = f * (ku - _H(ku)) * row + col * (f * (kv - _H(kv))) + _diag_embed(numpy.real(gs) + 1j * numpy.imag(
        _diag(ku)) * inv_s)
    out = u @ inner @ _H(v)
    out = out + ((gbu - u @ ku) * numpy.expand_dims(inv_s, -2)) @ _H(v)
    out = out + u @ (numpy.expand_dims(inv_s, -1) * (_H(gbv) - _H(kv) @ _H(v)))
    return numpy.conj(out)


def svd_tangent(ta, u, s, v):
    """Tangent (dU, dS, dV) of the thin complex SVD ``a = u diag(s) v^H``."""
    p = _H(u) @ ta @ v
    f = _gap_inverse(s, square=True)
    row, col = numpy.expand_dims(s, -2), numpy.expand_dims(s, -1)
    inv_s = 1.0 / numpy.where(s == 0, numpy.inf, s)
    m, n = numpy.shape(ta)[-2:]
    eye_m, eye_n = numpy.eye(m), numpy.eye(n)
    du = u @ (f * (p * row + col * _H(p)) + _diag_embed(1j * numpy.imag(_diag(p)) * inv_s)) + \
        (eye_m - u @ _H(u)) @ ta @ v * numpy.expand_dims(inv_s, -2)
    dv = v @ (f * (col * p + _H(p) * row)) + (eye_n - v @ _H(v)) @ _H(ta) @ u * numpy.expand_dims(inv_s, -2)
    row_u, row_v = _real_row(u), _real_row(v)
    if row_u is not None:
        phase = _phase_tangent(du, u, row_u)
    elif row_v is not None:
        phase = _phase_tangent(dv, v, row_v)
    else:
        phase = _unknown_phase_tangent(du, "singular vectors")
    return du + u * phase, numpy.real(_diag(p)), dv + v * phase


def svdvals_adjoint(g, a):
    """Adjoint of the singular values of a complex ``a``: conj(U diag(g) V^H)."""
    u, _, vh = numpy.linalg.svd(a, full_matrices=False)
    return numpy.conj(u @ (numpy.expand_dims(numpy.real(g), -1) * vh))


def svdvals_tangent(ta, a):
    """Tangent of the singular values of a complex ``a``: Re diag(U^H ta V)."""
    u, _, vh = numpy.linalg.svd(a, full_matrices=False)
    return numpy.real(_diag(_H(u) @ ta @ _H(vh)))


def pinv_adjoint(g, a, p):
    """Adjoint of ``numpy.linalg.pinv`` of a complex matrix (constant rank)."""
    m, n = numpy.shape(a)[-2:]
    left = numpy.eye(m) - a @ p
    right = numpy.eye(n) - p @ a
    pt = numpy.swapaxes(p, -1, -2)
    return -pt @ g @ pt + numpy.conj(left @ numpy.swapaxes(g, -1, -2) @ p @ _H(p)) + \
        numpy.conj(_H(p) @ p @ numpy.swapaxes(g, -1, -2) @ right)


def pinv_tangent(ta, a, p):
    """Tangent of ``numpy.linalg.pinv`` of a complex matrix (constant rank)."""
    m, n = numpy.shape(a)[-2:]
    left = numpy.eye(m) - a @ p
    right = numpy.eye(n) - p @ a
    return -p @ ta @ p + p @ _H(p) @ _H(ta) @ left + right @ _H(ta) @ _H(p) @ p


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return numpy.tril(x, -1) + 0.5 * _diag_embed(_diag(x))


def cholesky_adjoint(g, factor, upper=False):
    """Adjoint of ``numpy.linalg.cholesky`` of a complex Hermitian matrix (one triangle read)."""
    low = _H(factor) if upper else factor
    gb = numpy.conj(_H(g) if upper else g)  # the factor's conj-cotangent
    inner = _phi(_H(low) @ gb)
    m = numpy.linalg.solve(_H(low), _H(numpy.linalg.solve(_H(low), _H(inner))))  # L^-H inner L^-1
    out = to_hermitian_triangle(numpy.conj(m), lower=True)
    return _H(out) if upper else out


def cholesky_tangent(ta, factor, upper=False):
    """Tangent of ``numpy.linalg.cholesky`` of a complex Hermitian matrix: L Phi(L^-1 S L^-H)."""
    low = _H(factor) if upper else factor
    s = from_hermitian_triangle(_H(ta) if upper else ta, lower=True)
    x = numpy.linalg.solve(low, _H(numpy.linalg.solve(low, _H(s))))
    out = low @ _phi(x)
    return _H(out) if upper else out


def _qr_step(c):
    """C - Omega for C = Q^H dA R^-1: the part of C that is dR R^-1 (LAPACK's R has a real diagonal)."""
    low = numpy.tril(c, -1)
    return c - (low - _H(low)) - _diag_embed(1j * numpy.imag(_diag(c)))


def qr_adjoint(gq, gr, q, r):
    """Adjoint of the reduced complex QR ``a = q r`` (at least as many rows as columns)."""
    gbq, gbr = numpy.conj(gq), numpy.conj(gr)
    m = gbr @ _H(r) - _H(q) @ gbq
    n = numpy.triu(m, 1) + _diag_embed(numpy.real(_diag(m))) + numpy.tril(_H(m), -1)
    b = gbq + q @ n
    return numpy.conj(_H(numpy.linalg.solve(r, _H(b))))  # conj(b R^-H)


def qr_tangent(ta, q, r):
    """Tangent (dQ, dR) of the reduced complex QR ``a = q r``."""
    ta_rinv = _H(numpy.linalg.solve(_H(r), _H(ta)))  # ta R^-1
    step = _qr_step(_H(q) @ ta_rinv)
    return ta_rinv - q @ step, step @ r
