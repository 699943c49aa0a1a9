"""Numeric helpers for ``numpy.linalg.eig`` and ``eigvals`` rules (general, non-symmetric matrices).

For A = V diag(w) V^-1 with distinct eigenvalues, P = V^-1 dA V gives dw = diag(P) and
dV = V (F o P) + V diag(c), F[i, j] = 1 / (w_j - w_i). The term V diag(c) keeps LAPACK's
normalization of each eigenvector: unit 2-norm, and its entry of largest modulus real. LAPACK
does not choose that entry's sign continuously (the eigenvectors of a real matrix's complex pairs
flip sign under changes of 1e-9), so a function of complex eigenvectors must not depend on their
phase: the reverse mode refuses one whose cotangent shows it does; the forward mode cannot tell,
so the tangent of complex eigenvectors refuses to be used (``PhaseTangent``): forward mode (and
a Hessian) through them is refused, through the eigenvalues alone it works. Repeated eigenvalues
are refused where the derivative needs them.
"""
from __future__ import annotations

import numpy

from .kernels import refuse

_REPEATED = ("numpy.linalg.eig: the matrix has repeated eigenvalues, where eigenvalues and eigenvectors "
             "have no derivative; differentiate a function of the matrix that does not need them (trace, det)")
_PHASE = ("numpy.linalg.eig: the function depends on the phase of a complex eigenvector, which LAPACK does not "
          "fix continuously (it flips sign under tiny changes of the matrix), so it has no derivative; use "
          "quantities that do not depend on the phase, such as abs(v), v * conj(v[k]) or the eigenvalues")


_PHASE_FORWARD = ("numpy.linalg.eig: forward mode cannot differentiate through complex eigenvectors: LAPACK does not "
                  "fix their phase continuously, and forward mode cannot tell whether the function depends on it; "
                  "use reverse mode (srcdiff.grad), which checks that, or only the eigenvalues")


class PhaseTangent(numpy.ndarray):
    """The tangent of complex eigenvectors in forward mode: any arithmetic on it raises
    NonDifferentiableError (it holds NaN, should it leave the generated code unused)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return refuse(self, _PHASE_FORWARD)

    def __array_function__(self, func, types, args, kwargs):
        return refuse(self, _PHASE_FORWARD)


def _T(x):
    return numpy.swapaxes(x, -1, -2)


def _close(w):
    """[..., i, j]: eigenvalues i != j that coincide to rounding."""
    gap = numpy.abs(numpy.expand_dims(w, -2) - numpy.expand_dims(w, -1))
    scale = numpy.maximum(1.0, numpy.max(numpy.abs(w), axis=-1))[..., None, None]
    n = numpy.shape(w)[-1]
    return (gap <= 1e-10 * scale) & ~numpy.eye(n, dtype=bool)


def _gap_inverse(w, close):
    gap = numpy.expand_dims(w, -2) - numpy.expand_dims(w, -1)  # w_j - w_i at [i, j]
    return numpy.where(close | (gap == 0), 0.0, 1.0 / numpy.where(close | (gap == 0), 1.0, gap))


def eig_tangent(ta, a, y):
    """Tangent of ``numpy.linalg.eig``: (diag(P), V (F o P) + V diag(c)), P = V^-1 dA V, for real
    eigenvectors (c keeps their norm); complex ones have no tangent forward mode could trust."""
    w, v = y
    close = _close(w)
    if numpy.any(close):
        refuse(ta, _REPEATED)
    p = numpy.linalg.solve(v, ta @ v)
    tw = numpy.diagonal(p, 0, -2, -1)
    if numpy.iscomplexobj(v) and not _real_in_complex(a, ta, w):
        return tw, numpy.full(numpy.shape(v), complex(numpy.nan, numpy.nan)).view(PhaseTangent)
    dv = v @ (_gap_inverse(w, close) * p)
    return tw, dv - v * numpy.sum(v * dv, axis=-2, keepdims=True)  # real eigenvectors: only the norm is fixed


def _real_in_complex(a, ta, w):
    """Real eigenvectors that NumPy returns as complex (NumPy 2.5 always does): a real matrix and
    tangent with only real eigenvalues, whose eigenvectors LAPACK computes as real arrays."""
    return not numpy.iscomplexobj(a) and not numpy.iscomplexobj(ta) and not numpy.any(numpy.imag(w))


def eig_adjoint(g, a, y):
    """Adjoint of ``numpy.linalg.eig``: V^-T (diag(gw) + F o (V^T g0)) V^T, g0 the eigenvectors'
    cotangent with the normalization's part taken out (real part for a real matrix)."""
    (gw, gv), (w, v) = g, y
    gw = numpy.broadcast_to(gw, numpy.shape(w))
    gv = numpy.broadcast_to(gv, numpy.shape(v))
    close = _close(w)
    if numpy.any(close):
        unequal = numpy.expand_dims(gw, -2) != numpy.expand_dims(gw, -1)
        if numpy.any(gv != 0) or numpy.any(close & unequal):
            refuse(g, _REPEATED)
    s = numpy.sum(gv * v, axis=-2, keepdims=True)  # the change of L along v_j -> (1 + e) v_j
    if numpy.iscomplexobj(v):  # along v_j -> exp(i e) v_j it is -imag(s_j): it must be 0
        phased = numpy.abs(numpy.imag(s)) > 1e-8 * numpy.sum(numpy.abs(gv * v), axis=-2, keepdims=True)
        if not numpy.iscomplexobj(a):  # the real eigenvectors of a real matrix have no phase
            phased = phased & (numpy.imag(w) != 0)[..., None, :]
        if numpy.any(phased):
            refuse(g, _PHASE)
    g0 = gv - numpy.conj(v) * numpy.real(s)  # the part that keeps each eigenvector's norm
    inner = numpy.einsum("...j,jk->...jk", gw, numpy.eye(numpy.shape(w)[-1])) + _gap_inverse(w, close) * (_T(v) @ g0)
    ga = numpy.linalg.solve(_T(v), inner @ _T(v))
    return ga if numpy.iscomplexobj(a) else numpy.real(ga)


def eigvals_adjoint(g, a):
    """Adjoint of ``numpy.linalg.eigvals``: V^-T diag(g) V^T."""
    w, v = numpy.linalg.eig(a)
    return eig_adjoint((g, numpy.zeros(numpy.shape(v), dtype=v.dtype)), a, (w, v))


def eigvals_tangent(ta, a):
    """Tangent of ``numpy.linalg.eigvals``: diag(V^-1 dA V)."""
    w, v = numpy.linalg.eig(a)
    if numpy.any(_close(w)):
        refuse(ta, _REPEATED)
    return numpy.diagonal(numpy.linalg.solve(v, ta @ v), 0, -2, -1)
