"""Rules for more ``scipy.special`` functions: Bessel functions, incomplete gamma and beta, rgamma, beta,
multigammaln, and SciPy's own log1p, expm1 and cosm1.

Derivatives are taken with respect to the arguments that have closed forms, the argument of a Bessel
function (not its order), and to the shapes ``a``, ``b`` of ``gammainc``/``gammaincc``/``betainc`` by the
series and continued fractions of runtime/kernels_incomplete. A varied value passed to a Bessel order is
refused (``constant_only``), never given a 0; so is a second derivative in the shapes.
``iv``, ``ive``, ``jv`` (``jn``) and ``rgamma`` take complex arguments; ``ive`` scales by
``exp(-|Re z|)``, which is not holomorphic, so its complex adjoint has a real extra term.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels import refuse
from ..runtime.kernels_math import strong_div, strong_mul
from .registry import adjoint, nondifferentiable, self_adjoint, tangent
from .refusals import constant_only, refuse_derivative

try:
    import scipy.special

    from ..runtime.kernels_incomplete import betainc_da, betainc_db, gammainc_da, stdtr_ddf
    from ..runtime.kernels_special import multigammaln_partial, rgamma_partial, rgamma_second
except ImportError:  # pragma: no cover - SciPy is an optional dependency
    scipy = None

_SQRT_PI_2 = 0.886226925452758  # sqrt(pi) / 2


def _functions(names):
    return [getattr(scipy.special, n) for n in names.split()]


def _adjoint(names, **kw):
    """``adjoint`` for scipy.special functions named in ``names``; a no-op without SciPy."""
    return adjoint(*_functions(names), **kw) if scipy is not None else (lambda fn: fn)


def _self_adjoint(names, **kw):
    """``self_adjoint``: the tangent derived from the adjoint (see ``registry.self_adjoint``)."""
    return self_adjoint(*_functions(names), **kw) if scipy is not None else (lambda fn: fn)


def _tangent(names):
    return tangent(*_functions(names)) if scipy is not None else (lambda fn: fn)


# I_v'(z) = (I_{v-1}(z) + I_{v+1}(z)) / 2
@_self_adjoint("iv")
def iv(y, v, z):
    d[z] = d[y] * (0.5 * (scipy.special.iv(v - 1.0, z) + scipy.special.iv(v + 1.0, z)))


# ive = iv * exp(-|Re z|): the holomorphic part as for iv, then -sign(Re z) ive along Re z only
@_adjoint("ive")
def ive(y, v, z):
    d[z] = d[y] * (0.5 * (scipy.special.ive(v - 1.0, z) + scipy.special.ive(v + 1.0, z))) - \
        numpy.real(d[y] * y * numpy.sign(numpy.real(z)))


@_tangent("ive")
def ive(y, v, z):
    t[y] = t[z] * (0.5 * (scipy.special.ive(v - 1.0, z) + scipy.special.ive(v + 1.0, z))) - \
        y * numpy.sign(numpy.real(z)) * numpy.real(t[z])


# J_v'(z) = (J_{v-1}(z) - J_{v+1}(z)) / 2 (``jn`` is ``jv``); the same for Y_n (Y_{-1} = -Y_1)
@_self_adjoint("jv")
def jv(y, v, z):
    d[z] = d[y] * (0.5 * (scipy.special.jv(v - 1.0, z) - scipy.special.jv(v + 1.0, z)))


@_self_adjoint("yn")
def yn(y, n, x):
    d[x] = d[y] * (0.5 * (scipy.special.yn(n - 1, x) - scipy.special.yn(n + 1, x)))


@_self_adjoint("j0")
def j0(y, x):
    d[x] = -d[y] * scipy.special.j1(x)


@_self_adjoint("y0")
def y0(y, x):
    d[x] = -d[y] * scipy.special.y1(x)


# J_1' = (J_0 - J_2) / 2, finite at 0
@_self_adjoint("j1")
def j1(y, x):
    d[x] = d[y] * (0.5 * (scipy.special.j0(x) - scipy.special.jv(2.0, x)))


@_self_adjoint("y1")
def y1(y, x):
    d[x] = d[y] * (0.5 * (scipy.special.y0(x) - scipy.special.yn(2, x)))


@_self_adjoint("rgamma")
def rgamma(y, x):
    d[x] = d[y] * rgamma_partial(x)


if scipy is not None:
    @tangent(rgamma_partial)  # second derivatives (forward over a generated gradient)
    def rgamma_partial_(out, x):
        t[out] = t[x] * rgamma_second(x)


# erfcinv(x) = erfinv(1 - x)
@_self_adjoint("erfcinv")
def erfcinv(y, x):
    d[x] = strong_mul(-d[y], _SQRT_PI_2 * numpy.exp(y * y))


@_self_adjoint("beta")
def beta(y, a, b):
    d[a] = strong_mul(d[y], y * (scipy.special.digamma(a) - scipy.special.digamma(a + b)))
    d[b] = strong_mul(d[y], y * (scipy.special.digamma(b) - scipy.special.digamma(a + b)))


# dP(a, x)/dx = x^(a-1) exp(-x) / Gamma(a); Q = 1 - P
@_self_adjoint("gammainc")
def gammainc(y, a, x):
    d[a] = strong_mul(d[y], gammainc_da(a, x))
    d[x] = strong_mul(d[y], numpy.exp(scipy.special.xlogy(a - 1.0, x) - x - scipy.special.gammaln(a)))


@_self_adjoint("gammaincc")
def gammaincc(y, a, x):
    d[a] = strong_mul(-d[y], gammainc_da(a, x))
    d[x] = strong_mul(-d[y], numpy.exp(scipy.special.xlogy(a - 1.0, x) - x - scipy.special.gammaln(a)))


# dI_x(a, b)/dx = x^(a-1) (1-x)^(b-1) / B(a, b)
@_self_adjoint("betainc")
def betainc(y, a, b, x):
    d[a] = strong_mul(d[y], betainc_da(a, b, x))
    d[b] = strong_mul(d[y], betainc_db(a, b, x))
    d[x] = strong_mul(d[y], numpy.exp(scipy.special.xlogy(a - 1.0, x) + scipy.special.xlog1py(b - 1.0, -x) -
                                      scipy.special.betaln(a, b)))


@_self_adjoint("stdtr")
def stdtr(y, df, t):
    d[df] = strong_mul(d[y], stdtr_ddf(df, t))
    d[t] = d[y] * numpy.exp(scipy.special.gammaln(0.5 * (df + 1.0)) - scipy.special.gammaln(0.5 * df) -
                            0.5 * numpy.log(numpy.pi * df) - 0.5 * (df + 1.0) * numpy.log1p(t * t / df))


# multigammaln(a, d) = d (d - 1) / 4 log(pi) + sum over j < d of gammaln(a - j / 2); d is an integer
@_self_adjoint("multigammaln")
def multigammaln(y, a, d):
    d[a] = d[y] * multigammaln_partial(a, d)


if scipy is not None:
    @tangent(multigammaln_partial)
    def multigammaln_partial_(out, a, d, k=1):
        t[out] = t[a] * multigammaln_partial(a, d, k + 1)


# SciPy's own ufuncs (not NumPy's), complex arguments too
@_self_adjoint("log1p")
def log1p(y, x):
    d[x] = strong_div(d[y], 1.0 + x, True)


@_self_adjoint("expm1")
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@_self_adjoint("cosm1")
def cosm1(y, x):
    d[x] = -d[y] * numpy.sin(x)


if scipy is not None:
    nondifferentiable(scipy.special.gammasgn)  # piecewise constant: +1 or -1 between the poles
    _ORDER = "Pass the order as a constant; differentiate with respect to the argument only."
    for _name, _params in (("iv", ("v",)), ("ive", ("v",)), ("jv", ("v",)), ("yn", ("n",))):
        constant_only(getattr(scipy.special, _name), _ORDER, *_params)
    constant_only(scipy.special.multigammaln, "Pass the dimension d as a constant integer.", "d")


# Second derivatives in the shapes would differentiate the series themselves: refused where a varied value
# reaches these kernels (the tangent templates are never filled; they make the kernels rules, not code to transform).
_SECOND = ("srcdiff has no second derivative of the incomplete gamma and beta functions (scipy.special.gammainc, "
           "gammaincc, betainc, stdtr, and the cdf of scipy.stats.gamma, chi2, beta, t) involving their shape "
           "parameters: the first derivative is a series, not a function srcdiff has rules for",
           "Take second derivatives with respect to x only, with the shape parameters held constant.")
if scipy is not None:
    @tangent(gammainc_da)
    def gammainc_da_(out, a, x):
        t[out] = refuse(out, _SECOND[0])

    @tangent(betainc_da, betainc_db)
    def betainc_shape_(out, a, b, x, y=None):
        t[out] = refuse(out, _SECOND[0])

    @tangent(stdtr_ddf)
    def stdtr_ddf_(out, df, t):
        t[out] = refuse(out, _SECOND[0])

    @adjoint(gammainc_da)  # reverse mode over the derivative (grad of grad)
    def gammainc_da__(out, a, x):
        d[a] = refuse(d[out], _SECOND[0])

    @adjoint(betainc_da, betainc_db)
    def betainc_shape__(out, a, b, x, y=None):
        d[a] = refuse(d[out], _SECOND[0])

    @adjoint(stdtr_ddf)
    def stdtr_ddf__(out, df, t):
        d[df] = refuse(d[out], _SECOND[0])

    for _kernel, _params in ((gammainc_da, ("a", "x")), (betainc_da, ("a", "b", "x", "y")),
                             (betainc_db, ("a", "b", "x", "y")), (stdtr_ddf, ("df", "t"))):
        refuse_derivative(_kernel, _params, *_SECOND)
