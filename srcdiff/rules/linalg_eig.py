"""Rules for ``numpy.linalg.eig`` and ``eigvals`` of general (non-symmetric, real or complex) matrices.

Eigenvalues and eigenvectors may be complex for a real matrix; the gradient with respect to a
real matrix is real. Repeated eigenvalues are refused where the derivative needs them; a
function of complex eigenvectors must not depend on their phase, which LAPACK does not fix
continuously: the reverse mode checks that, the forward mode refuses to go through complex
eigenvectors (see ``kernels_eig``). Batched where NumPy batches.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels_eig import eig_adjoint, eig_tangent, eigvals_adjoint, eigvals_tangent
from .registry import adjoint, tangent


@adjoint(numpy.linalg.eig)
def eig(y, a):
    d[a] = eig_adjoint(d[y], a, y)


@tangent(numpy.linalg.eig)
def eig(y, a):
    t[y] = eig_tangent(t[a], a, y)


@adjoint(numpy.linalg.eigvals)
def eigvals(y, a):
    d[a] = eigvals_adjoint(d[y], a)


@tangent(numpy.linalg.eigvals)
def eigvals(y, a):
    t[y] = eigvals_tangent(t[a], a)

