"""Numeric helpers for ``scipy.special`` rules: partials that need care at poles."""
from __future__ import annotations

import numpy
import scipy.special

from .kernels import refuse


def _poles(x):
    """(mask of the non-positive integers in ``x``, n = -x there, 0 elsewhere)."""
    pole = (numpy.real(x) <= 0) & (numpy.imag(x) == 0) & (numpy.real(x) == numpy.floor(numpy.real(x)))
    return pole, numpy.where(pole, -numpy.real(x), 0.0)


def rgamma_partial(x):
    """d/dx 1/Gamma(x) = -digamma(x) / Gamma(x); at x = -n (a pole of Gamma) it is (-1)^n n!."""
    pole, n = _poles(x)
    safe = numpy.where(pole, 0.5, x)
    inner = -scipy.special.rgamma(safe) * scipy.special.digamma(safe)
    return numpy.where(pole, (-1.0) ** n * scipy.special.gamma(n + 1.0), inner)


def rgamma_second(x):
    """d^2/dx^2 1/Gamma(x) = (digamma^2 - trigamma) / Gamma(x); at x = -n it is -2 (-1)^n n! digamma(n + 1)."""
    if numpy.iscomplexobj(x):
        return refuse(x, "the second derivative of scipy.special.rgamma at complex arguments needs the trigamma "
                      "function of complex arguments, which SciPy does not have")
    pole, n = _poles(x)
    safe = numpy.where(pole, 0.5, x)
    psi = scipy.special.digamma(safe)
    inner = scipy.special.rgamma(safe) * (psi * psi - scipy.special.polygamma(1, safe))
    return numpy.where(pole, -2.0 * (-1.0) ** n * scipy.special.gamma(n + 1.0) * scipy.special.digamma(n + 1.0),
                       inner)


def multigammaln_partial(a, d, k=1):
    """The k-th derivative of ``scipy.special.multigammaln(a, d)`` in ``a``: sum over j < d of
    polygamma(k - 1, a - j / 2)."""
    a = numpy.asarray(a)
    halves = 0.5 * numpy.arange(int(d)).reshape((-1,) + (1,) * a.ndim)
    return numpy.sum(scipy.special.polygamma(k - 1, a - halves), axis=0)
