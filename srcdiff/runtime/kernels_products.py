"""Numeric helpers for product rules: cross, kron, vecdot, matvec, convolutions, polynomials."""
from __future__ import annotations

import numpy

from .helpers import unbroadcast


def _to3(v):
    if numpy.shape(v)[-1] == 3:
        return v
    return numpy.concatenate([v, numpy.zeros(numpy.shape(v)[:-1] + (1,), dtype=numpy.result_type(v, float))],
                             axis=-1)


def _cross_parts(g, a, b, axisa, axisb, axisc, axis):
    if axis is not None:
        axisa = axisb = axisc = axis
    am, bm = numpy.moveaxis(a, axisa, -1), numpy.moveaxis(b, axisb, -1)
    if numpy.shape(am)[-1] == 2 and numpy.shape(bm)[-1] == 2:
        gz = numpy.asarray(g)
        gm = numpy.stack([numpy.zeros_like(gz), numpy.zeros_like(gz), gz], axis=-1)
    else:
        gm = numpy.moveaxis(g, axisc, -1)
    return gm, am, bm, axisa, axisb


def cross_lhs(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``numpy.cross(a, b)`` with respect to ``a``: b x g (2-vectors padded with a zero)."""
    gm, am, bm, axisa, _ = _cross_parts(g, a, b, axisa, axisb, axisc, axis)
    out = numpy.cross(_to3(bm), gm)[..., :numpy.shape(am)[-1]]
    return numpy.moveaxis(unbroadcast(out, am), -1, axisa)


def cross_rhs(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``numpy.cross(a, b)`` with respect to ``b``: g x a."""
    gm, am, bm, _, axisb = _cross_parts(g, a, b, axisa, axisb, axisc, axis)
    out = numpy.cross(gm, _to3(am))[..., :numpy.shape(bm)[-1]]
    return numpy.moveaxis(unbroadcast(out, bm), -1, axisb)


def _kron_shapes(a, b):
    n = max(numpy.ndim(a), numpy.ndim(b))
    sa = (1,) * (n - numpy.ndim(a)) + tuple(numpy.shape(a))
    sb = (1,) * (n - numpy.ndim(b)) + tuple(numpy.shape(b))
    return n, sa, sb


def kron_lhs(g, a, b):
    """Adjoint of ``numpy.kron(a, b)`` with respect to ``a``."""
    n, sa, sb = _kron_shapes(a, b)
    blocks = numpy.reshape(g, [d for pair in zip(sa, sb) for d in pair])
    bx = numpy.reshape(b, [d for s in sb for d in (1, s)])
    return numpy.reshape(numpy.sum(blocks * bx, axis=tuple(range(1, 2 * n, 2))), numpy.shape(a))


def kron_rhs(g, a, b):
    """Adjoint of ``numpy.kron(a, b)`` with respect to ``b``."""
    n, sa, sb = _kron_shapes(a, b)
    blocks = numpy.reshape(g, [d for pair in zip(sa, sb) for d in pair])
    ax = numpy.reshape(a, [d for s in sa for d in (s, 1)])
    return numpy.reshape(numpy.sum(blocks * ax, axis=tuple(range(0, 2 * n, 2))), numpy.shape(b))


def vecdot_lhs(g, x1, x2, axis=-1):
    """Adjoint of ``numpy.vecdot(x1, x2)`` (sum of conj(x1) * x2 over ``axis``) with respect to ``x1``."""
    x1m, x2m = numpy.moveaxis(x1, axis, -1), numpy.moveaxis(x2, axis, -1)
    out = numpy.conj(numpy.expand_dims(g, -1) * x2m)
    return numpy.moveaxis(unbroadcast(out, x1m), -1, axis)


def vecdot_rhs(g, x1, x2, axis=-1):
    """Adjoint of ``numpy.vecdot(x1, x2)`` with respect to ``x2``."""
    x1m, x2m = numpy.moveaxis(x1, axis, -1), numpy.moveaxis(x2, axis, -1)
    out = numpy.expand_dims(g, -1) * numpy.conj(x1m)
    return numpy.moveaxis(unbroadcast(out, x2m), -1, axis)


def matvec_lhs(g, x1, x2):
    """Adjoint of ``numpy.matvec(x1, x2)`` (matrix times vector) with respect to the matrix."""
    return unbroadcast(numpy.expand_dims(g, -1) * numpy.expand_dims(x2, -2), x1)


def matvec_rhs(g, x1, x2):
    """Adjoint of ``numpy.matvec(x1, x2)`` with respect to the vector."""
    return unbroadcast(numpy.sum(x1 * numpy.expand_dims(g, -1), axis=-2), x2)


def vecmat_lhs(g, x1, x2):
    """Adjoint of ``numpy.vecmat(x1, x2)`` (conj(vector) times matrix) with respect to the vector."""
    return unbroadcast(numpy.conj(numpy.sum(x2 * numpy.expand_dims(g, -2), axis=-1)), x1)


def vecmat_rhs(g, x1, x2):
    """Adjoint of ``numpy.vecmat(x1, x2)`` with respect to the matrix."""
    return unbroadcast(numpy.expand_dims(numpy.conj(x1), -1) * numpy.expand_dims(g, -2), x2)


def _full_length(g, na, nv, mode, correlate=False):
    """``g`` (a 'same' or 'valid' result) zero-padded to the full convolution's length."""
    if mode == "full":
        return g
    nmin = min(na, nv)
    if mode == "valid":
        offset = nmin - 1
    else:
        offset = nmin // 2 if correlate and na < nv else (nmin - 1) // 2
    out = numpy.zeros(na + nv - 1, dtype=numpy.result_type(g, float))
    out[offset:offset + numpy.size(g)] = g
    return out


def convolve_lhs(g, a, v, mode="full"):
    """Adjoint of ``numpy.convolve(a, v, mode)`` with respect to ``a``."""
    full = _full_length(g, numpy.size(a), numpy.size(v), mode)
    return numpy.convolve(full, numpy.flip(v), "valid")[:numpy.size(a)]


def convolve_rhs(g, a, v, mode="full"):
    """Adjoint of ``numpy.convolve(a, v, mode)`` with respect to ``v``."""
    full = _full_length(g, numpy.size(a), numpy.size(v), mode)
    return numpy.convolve(full, numpy.flip(a), "valid")[:numpy.size(v)]


def correlate_lhs(g, a, v, mode="valid"):
    """Adjoint of ``numpy.correlate(a, v, mode)`` (sum of a[n + k] * conj(v[k])) with respect to ``a``."""
    full = _full_length(g, numpy.size(a), numpy.size(v), mode, correlate=True)
    return numpy.convolve(full, numpy.conj(v), "valid")[:numpy.size(a)]


def correlate_rhs(g, a, v, mode="valid"):
    """Adjoint of ``numpy.correlate(a, v, mode)`` with respect to ``v``."""
    full = _full_length(g, numpy.size(a), numpy.size(v), mode, correlate=True)
    return numpy.flip(numpy.conj(numpy.convolve(full, numpy.flip(a), "valid")[:numpy.size(v)]))


def polyval_derivative(p, x, k=1):
    """The ``k``-th derivative of the polynomial ``p`` (highest power first) at ``x``."""
    p = numpy.asarray(p)
    n = p.shape[0] - 1
    if k > n:
        return numpy.zeros(numpy.shape(x)) if numpy.ndim(x) else 0.0
    powers = numpy.arange(n, -1, -1)
    factor = numpy.ones(n + 1)
    for j in range(k):
        factor = factor * (powers - j)
    return numpy.polyval(p[:n + 1 - k] * factor[:n + 1 - k], x)


def _falling(power, k):
    """power * (power - 1) * ... (k factors): the k-th derivative's factor of x ** power."""
    out = numpy.ones(numpy.shape(power))
    for j in range(k):
        out = out * (power - j)
    return out


def polyval_coefficients(g, p, x, k=0):
    """Adjoint of ``numpy.polyval(p, x)`` in the coefficients: sum of g * d^k/dx^k x ** power."""
    n = numpy.shape(p)[0] - 1
    xs = numpy.asarray(x)
    powers = numpy.arange(n, -1, -1)
    factor = _falling(powers, k)
    out = [numpy.sum(g * factor[i] * xs ** max(n - i - k, 0)) for i in range(n + 1)]
    return numpy.array(out)


def vander_partials(x, N=None, increasing=False, k=1):
    """The k-th derivative of vander(x, N, increasing) entry by entry (power * x ** (power - 1) for k=1)."""
    n = numpy.size(x) if N is None else N
    powers = numpy.arange(n) if increasing else numpy.arange(n - 1, -1, -1)
    xs = numpy.asarray(x)[:, None]
    return _falling(powers, k) * xs ** numpy.maximum(powers - k, 0)
