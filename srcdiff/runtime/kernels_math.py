"""Numeric helpers for elementwise rules: strong-zero products, guarded divisors, powers at zero,
complex partials."""
from __future__ import annotations

import numpy

_ndarray = numpy.ndarray
_vdot = numpy.vdot
_inf = float("inf")
_DEG = 0.017453292519943295  # pi / 180
_RAD = 57.29577951308232  # 180 / pi
_PI2 = 9.869604401089358  # pi ** 2
_PI4 = 97.40909103400242  # pi ** 4


def safe_divisor(y):
    """``y`` with exact zeros replaced by inf, so that ``c / safe_divisor(y)`` is 0 there: the
    documented convention at one singular point (``hypot`` and ``arctan2`` at the origin, ``std``
    of constant data). NaN stays NaN."""
    if type(y) is float:
        return y if y != 0.0 else _inf
    return numpy.where(y == 0, numpy.inf, y)


def strong_mul(g, p):
    """``g * p`` with a strong zero: exactly 0 where ``g`` is 0, even where the partial ``p`` is
    inf or NaN (the branch of ``numpy.where`` not taken, a masked entry), and where ``p`` is 0,
    even where ``g`` is inf or NaN (a factor of the chain rule that is exactly 0, as a power's
    partial with exponent 0: the other mode multiplies the same factors in the other order and
    gets 0 from its own strong zero); inf or NaN elsewhere, as arithmetic says."""
    r = g * p
    return r if _finite(r) else _patched((g == 0) | (p == 0), g, r)


def strong_div(g, q, positive=False):
    """``g / q`` with a strong zero, like ``strong_mul``: 0 where ``g`` is 0 or the partial
    ``1 / q`` is (``q`` infinite, and not outside the domain). ``positive``: the function is defined
    only where ``q >= 0`` (the partial 1 / q of a real logarithm, of ``arctanh``), so the result
    is NaN where ``q < 0``, though ``g / q`` is finite there."""
    try:
        r = g / q
    except ZeroDivisionError:  # Python floats: the IEEE quotient NumPy gives
        r = float(numpy.float64(g) / q)
    if positive:
        if _all_positive(q):
            return r  # no 0 / 0 or 0 / NaN, nothing outside the domain
        if numpy.isrealobj(q):
            r = numpy.where(q < 0, numpy.nan, r)
    if _finite(r):
        return r
    zero_partial = numpy.isinf(q) & (q > 0) if positive and numpy.isrealobj(q) else numpy.isinf(q)
    return _patched((g == 0) | zero_partial, g, r)


# The fast paths: a dot product r . r is NaN or inf when an entry of r is (or, harmlessly, when
# it overflows), and costs less dispatch than a summation; argmin finds a non-positive entry or a
# NaN (NaN counts as the smallest) in one pass.
def _finite(r):
    if type(r) is float:
        return abs(r) < _inf
    return abs(_vdot(r, r)) < _inf


def _all_positive(q):
    if type(q) is float:
        return q > 0.0
    dtype = getattr(q, "dtype", None)  # False for complex q (no domain) and NaN entries
    return dtype is not None and dtype.kind == "f" and (q.size == 0 or q.flat[q.argmin()] > 0)


def _patched(zero, g, r):
    """``r`` with exact zeros where ``zero`` holds (the slow path, only where something is not
    finite)."""
    scalar = type(r) is not _ndarray
    out = numpy.where(zero, 0.0, r)
    return out if not scalar else (float(out) if type(g) is float and out.dtype.kind == "f" else out[()])


def pick_weight(a, b):
    """The share of ``maximum(a, b)``'s derivative that goes to ``a``: 1 where ``a > b``, 0.5 at a tie,
    0 where ``a < b`` (NumPy's order, lexicographic for complex numbers), and NaN where either is
    NaN (``maximum`` propagates it; a hidden 0 would not)."""
    w = (a > b) + 0.5 * (a == b)
    if not numpy.issubdtype(numpy.result_type(a, b), numpy.inexact):
        return w
    nan = numpy.isnan(a) | numpy.isnan(b)
    return numpy.where(nan, numpy.nan, w) if nan.any() else w


def power_partial(x1, x2):
    """d (x1 ** x2) / d x1 = x2 * x1 ** (x2 - 1), exactly 0 where x2 == 0 (no 0 * inf at x1 == 0)."""
    return x2 * x1 ** numpy.where(x2 == 0, 1.0, x2 - 1.0)


def power_second(x1, x2):
    """d^2 (x1 ** x2) / d x1^2 = x2 (x2 - 1) x1 ** (x2 - 2), exactly 0 where x2 is 0 or 1."""
    flat = (x2 == 0) | (x2 == 1)
    return x2 * (x2 - 1.0) * x1 ** numpy.where(flat, 1.0, x2 - 2.0)


def abs_adjoint(g, x):
    """Adjoint of ``abs``: g * sign(x) (0 at 0); for complex x, real(g) * conj(x) / |x|."""
    if numpy.iscomplexobj(x):
        return numpy.real(g) * numpy.conj(numpy.sign(x))
    return g * numpy.sign(x)


def abs_tangent(tx, x):
    """Tangent of ``abs``: sign(x) * tx; for complex x, real(conj(x) * tx) / |x| (0 at 0)."""
    if numpy.iscomplexobj(x) or numpy.iscomplexobj(tx):
        return numpy.real(numpy.conj(numpy.sign(x)) * tx)
    return tx * numpy.sign(x)


def unit_tangent(x, tx):
    """Tangent of conj(x) / |x| (the complex part of ``abs_adjoint``); 0 for real x."""
    if not numpy.iscomplexobj(x):
        return 0.0
    r = numpy.abs(x)
    inv = 1.0 / safe_divisor(r)
    return numpy.conj(tx) * inv - numpy.conj(x) * numpy.real(numpy.conj(x) * tx) * inv ** 3


def angle_adjoint(g, z, deg=False):
    """Adjoint of ``numpy.angle``: real(g) * -i / z (conj(z) / |z|^2 is 1 / z); 0 at 0 and for real z."""
    if not numpy.iscomplexobj(z):
        return numpy.zeros(numpy.shape(z)) if numpy.ndim(z) else 0.0
    scale = _DEG if deg else 1.0
    return (-1j * scale) * numpy.real(g) / safe_divisor(z)


def angle_tangent(tz, z, deg=False):
    """Tangent of ``numpy.angle``: Im(tz / z) (0 at 0)."""
    scale = _RAD if deg else 1.0
    return scale * numpy.imag(tz / safe_divisor(z))


def imag_adjoint(g, val):
    """Adjoint of ``numpy.imag``: -i real(g) for complex ``val``, zero for a real one; shaped like
    ``val`` (a cotangent broadcast from a reduction may arrive as a scalar, and the adjoint of what
    made ``val`` sums over ``val``'s shape)."""
    if numpy.iscomplexobj(val):
        d = -1j * numpy.real(g)
        if numpy.shape(d) != numpy.shape(val):
            d = d * numpy.ones(numpy.shape(val))
        return d
    return numpy.zeros(numpy.shape(val)) if numpy.ndim(val) else 0.0


def sinc_partial(x):
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x; a Taylor series near 0 (no cancellation), 0 at 0."""
    small = numpy.abs(x) < 1e-3
    safe = numpy.where(small, 1.0, x)
    series = x * (-_PI2 / 3.0 + _PI4 / 30.0 * x * x)
    return numpy.where(small, series, (numpy.cos(numpy.pi * safe) - numpy.sinc(safe)) / safe)


def sinc_second(x):
    """d^2 sinc(x) / dx^2 (for the tangent of ``sinc_partial``); -pi^2 / 3 at x = 0."""
    small = numpy.abs(x) < 1e-3
    safe = numpy.where(small, 1.0, x)
    value = (-numpy.pi * numpy.sin(numpy.pi * safe) - 2.0 * sinc_partial(safe)) / safe
    return numpy.where(small, -_PI2 / 3.0 + _PI4 / 10.0 * x * x, value)
