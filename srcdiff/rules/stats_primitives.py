"""Refusals and x-only cdf primitives that the scipy.stats definitions (stats_continuous) build on."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy
import scipy.special

from .registry import adjoint, refuse_derivative, tangent

_LOG_SQRT_PI = 0.5723649429247001  # log(sqrt(pi))


_FIX = ("Differentiate with respect to the other arguments only (pass this one as a constant), or register "
        "your own rule with @srcdiff.adjoint(..., params=(...)).")


def _problem(what):
    return "srcdiff has no derivative of %s: it has no closed form in the functions srcdiff has rules for" % what


class Refusal:
    """``no_k(k)`` returns ``k``; srcdiff has no rule for it, so a derivative that would flow
    through it is refused with this message."""

    def __init__(self, what):
        self.__name__ = "no_derivative"
        self.__srcdiff_refusal__ = ("srcdiff has no derivative of %s" % what, _FIX)

    def __call__(self, value):
        return value


# The cdf of the t, gamma and beta families at ``z`` (standardized); their derivative in ``z`` is the
# density. The shape arguments must reach these through a Refusal: the rules below have none for them.
def t_cdf(z, df):
    return scipy.special.stdtr(df, z)


def gamma_cdf(z, a):
    return scipy.special.gammainc(a, numpy.maximum(z, 0.0))


def gamma_sf(z, a):
    return scipy.special.gammaincc(a, numpy.maximum(z, 0.0))


def beta_cdf(z, a, b):
    return scipy.special.betainc(a, b, numpy.clip(z, 0.0, 1.0))


def beta_sf(z, a, b):
    return scipy.special.betainc(b, a, 1.0 - numpy.clip(z, 0.0, 1.0))


def t_density(z, df):
    return numpy.exp(scipy.special.gammaln(0.5 * (df + 1.0)) - scipy.special.gammaln(0.5 * df) - 0.5 * numpy.log(df)
                     - _LOG_SQRT_PI - 0.5 * (df + 1.0) * numpy.log1p(z * z / df))


def gamma_density(z, a):
    """Zero outside (0, inf); at 0 the one-sided density (inf for a < 1, 1 for a == 1)."""
    zs = numpy.where(z < 0.0, 1.0, z)
    return numpy.where(z < 0.0, 0.0, numpy.exp(scipy.special.xlogy(a - 1.0, zs) - zs - scipy.special.gammaln(a)))


def beta_density(z, a, b):
    zs = numpy.where((z < 0.0) | (z > 1.0), 0.5, z)
    return numpy.where((z < 0.0) | (z > 1.0), 0.0, numpy.exp(
        scipy.special.xlogy(a - 1.0, zs) + scipy.special.xlog1py(b - 1.0, -zs) - scipy.special.betaln(a, b)))


@adjoint(t_cdf, elementwise=True)
def _adjoint_t_cdf(y, z, df):
    d[z] = d[y] * t_density(z, df)


@tangent(t_cdf)
def _tangent_t_cdf(y, z, df):
    t[y] = t[z] * t_density(z, df)


@adjoint(gamma_cdf, elementwise=True)
def _adjoint_gamma_cdf(y, z, a):
    d[z] = d[y] * gamma_density(z, a)


@tangent(gamma_cdf)
def _tangent_gamma_cdf(y, z, a):
    t[y] = t[z] * gamma_density(z, a)


@adjoint(gamma_sf, elementwise=True)
def _adjoint_gamma_sf(y, z, a):
    d[z] = -d[y] * gamma_density(z, a)


@tangent(gamma_sf)
def _tangent_gamma_sf(y, z, a):
    t[y] = -t[z] * gamma_density(z, a)


@adjoint(beta_cdf, elementwise=True)
def _adjoint_beta_cdf(y, z, a, b):
    d[z] = d[y] * beta_density(z, a, b)


@tangent(beta_cdf)
def _tangent_beta_cdf(y, z, a, b):
    t[y] = t[z] * beta_density(z, a, b)


@adjoint(beta_sf, elementwise=True)
def _adjoint_beta_sf(y, z, a, b):
    d[z] = -d[y] * beta_density(z, a, b)


@tangent(beta_sf)
def _tangent_beta_sf(y, z, a, b):
    t[y] = -t[z] * beta_density(z, a, b)


refuse_derivative(t_cdf, ["df"], _problem("the cdf, sf, logcdf or logsf of scipy.stats.t with respect to df"), _FIX)
for _fn in (gamma_cdf, gamma_sf):
    refuse_derivative(_fn, ["a"], _problem("the cdf, sf, logcdf or logsf of scipy.stats.gamma or chi2 with respect "
                                           "to its shape (a or df)"), _FIX)
for _fn in (beta_cdf, beta_sf):
    refuse_derivative(_fn, ["a", "b"], _problem("the cdf, sf, logcdf or logsf of scipy.stats.beta with respect to "
                                                "a or b"), _FIX)
