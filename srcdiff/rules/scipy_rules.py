"""Rules for ``scipy.special`` (registered only when SciPy can be imported; SciPy stays optional).

``logsumexp``, ``softmax`` and ``log_softmax`` use weights ``exp(a - logsumexp(a))`` that are at most
1, so large inputs cannot overflow; ``xlogy``/``xlog1py`` have a zero gradient where ``x`` is 0.
Partials that are infinite or NaN at poles and domain edges (``logit`` at 0 and 1, ``erfinv`` at
+-1, the gamma family at 0, -1, ...) multiply with a strong zero (``kernels_math.strong_mul``).
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.helpers import expand, unbroadcast
from ..runtime.kernels_math import strong_div, strong_mul
from .registry import adjoint, self_adjoint, shapes, tangent
from .refusals import refuse_unless

try:
    import scipy.special
except ImportError:  # pragma: no cover - SciPy is an optional dependency
    scipy = None

_SQRT_PI_2 = 0.886226925452758  # sqrt(pi) / 2
_SQRT_2PI = 2.5066282746310002  # sqrt(2 pi)


def _functions(names):
    return [getattr(scipy.special, n) for n in names.split()]


def _adjoint(names, **kw):
    """``adjoint`` for scipy.special functions named in ``names``; a no-op without SciPy."""
    return adjoint(*_functions(names), **kw) if scipy is not None else (lambda fn: fn)


def _tangent(names):
    return tangent(*_functions(names)) if scipy is not None else (lambda fn: fn)


def _self_adjoint(names, **kw):
    """``self_adjoint`` for scipy.special functions named in ``names``; a no-op without SciPy."""
    return self_adjoint(*_functions(names), **kw) if scipy is not None else (lambda fn: fn)


@_self_adjoint("expit")
def expit(y, x):
    d[x] = d[y] * y * (1.0 - y)


@_self_adjoint("log_expit")
def log_expit(y, x):
    d[x] = d[y] * scipy.special.expit(-x)


@_self_adjoint("logit")
def logit(y, x):
    d[x] = strong_div(d[y], x * (1.0 - x), True)


@_self_adjoint("erf")
def erf(y, x):
    d[x] = d[y] * numpy.exp(-x * x) / _SQRT_PI_2


@_self_adjoint("erfc")
def erfc(y, x):
    d[x] = -d[y] * numpy.exp(-x * x) / _SQRT_PI_2


@_self_adjoint("erfinv")
def erfinv(y, x):
    d[x] = strong_mul(d[y], _SQRT_PI_2 * numpy.exp(y * y))


@_self_adjoint("ndtr")
def ndtr(y, x):
    d[x] = d[y] * numpy.exp(-0.5 * x * x) / _SQRT_2PI


# phi(x) / Phi(x) as exp(-x^2 / 2 - log Phi(x)): no underflow far in the left tail
@_self_adjoint("log_ndtr")
def log_ndtr(y, x):
    d[x] = d[y] * numpy.exp(-0.5 * x * x - y) / _SQRT_2PI


@_self_adjoint("ndtri")
def ndtri(y, x):
    d[x] = strong_mul(d[y], _SQRT_2PI * numpy.exp(0.5 * y * y))


@_self_adjoint("gammaln loggamma")
def gammaln(y, x):
    d[x] = strong_mul(d[y], scipy.special.digamma(x))


@_self_adjoint("gamma")
def gamma(y, x):
    d[x] = strong_mul(d[y], y * scipy.special.digamma(x))


@_self_adjoint("digamma")
def digamma(y, x):
    d[x] = strong_mul(d[y], scipy.special.polygamma(1, x))


@_self_adjoint("polygamma", elementwise=True)
def polygamma(y, n, x):
    d[x] = strong_mul(d[y], scipy.special.polygamma(n + 1, x))


@_self_adjoint("betaln")
def betaln(y, x1, x2):
    d[x1] = strong_mul(d[y], scipy.special.digamma(x1) - scipy.special.digamma(x1 + x2))
    d[x2] = strong_mul(d[y], scipy.special.digamma(x2) - scipy.special.digamma(x1 + x2))


@_self_adjoint("xlogy")
def xlogy(y, x1, x2):
    d[x1] = strong_mul(d[y], numpy.log(numpy.where((x1 == 0) & (x2 == 0), 1.0, x2)))
    d[x2] = strong_mul(d[y], x1 / numpy.where(x1 == 0, numpy.inf, x2))


@_self_adjoint("xlog1py")
def xlog1py(y, x1, x2):
    d[x1] = strong_mul(d[y], numpy.log1p(numpy.where((x1 == 0) & (x2 == -1), 0.0, x2)))
    d[x2] = strong_mul(d[y], x1 / numpy.where(x1 == 0, numpy.inf, 1.0 + x2))


@_self_adjoint("i0")
def i0(y, x):
    d[x] = d[y] * scipy.special.i1(x)


# i1'(x) = i0(x) - i1(x) / x, 1/2 at 0
@_self_adjoint("i1")
def i1(y, x):
    d[x] = d[y] * (scipy.special.i0(x) - numpy.where(x == 0, 0.5, y / numpy.where(x == 0, 1.0, x)))


@_adjoint("logsumexp")
def logsumexp(y, a, axis=None, b=None, keepdims=False, return_sign=False):
    if b is None:
        d[a] = expand(d[y], a, axis, keepdims) * numpy.exp(a - expand(y, a, axis, keepdims))
    else:
        w = numpy.exp(a - expand(y, a, axis, keepdims))
        d[a] = unbroadcast(expand(d[y], a, axis, keepdims) * b * w, a)
        d[b] = unbroadcast(expand(d[y], a, axis, keepdims) * w, b)


@_tangent("logsumexp")
def logsumexp(y, a, axis=None, b=None, keepdims=False, return_sign=False):
    if b is None:
        t[y] = numpy.sum(t[a] * numpy.exp(a - expand(y, a, axis, keepdims)), axis=axis, keepdims=keepdims)
    else:
        t[y] = numpy.sum((t[a] * b + t[b]) * numpy.exp(a - expand(y, a, axis, keepdims)), axis=axis,
                         keepdims=keepdims)


@_self_adjoint("softmax")
def softmax(y, x, axis=None):
    d[x] = y * (d[y] - numpy.sum(d[y] * y, axis=axis, keepdims=True))


@_adjoint("log_softmax")
def log_softmax(y, x, axis=None):
    d[x] = d[y] - numpy.exp(y) * numpy.sum(d[y], axis=axis, keepdims=True)


@_tangent("log_softmax")
def log_softmax(y, x, axis=None):
    t[y] = t[x] - numpy.sum(t[x] * numpy.exp(y), axis=axis, keepdims=True)


def _logsumexp_check(args):
    if args.get("return_sign") not in (None, False):
        return ("srcdiff differentiates scipy.special.logsumexp with return_sign=False only",
                "Keep the weights b positive and drop return_sign.")
    return None


if scipy is not None:
    refuse_unless(scipy.special.logsumexp, _logsumexp_check)
    shapes(reduce=(scipy.special.logsumexp,), elementwise=(scipy.special.softmax, scipy.special.log_softmax,
                                                          scipy.special.polygamma))
