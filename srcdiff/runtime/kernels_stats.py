"""Kernels of the scipy.stats definitions: refusals, the cdf primitives of t, gamma and beta and their
derivatives in the shapes (rules in stats_rules), and the shape helpers of multivariate_normal and dirichlet."""
import numpy
import scipy.special
import scipy.stats

from .kernels_incomplete import betainc_da, betainc_db, gammainc_da, stdtr_ddf

_LOG_SQRT_PI = 0.5723649429247001  # log(sqrt(pi))


FIX = ("Differentiate with respect to the other arguments only (pass this one as a constant), or register "
       "your own rule with @srcdiff.adjoint(..., params=(...)).")


class Refusal:
    """``no_k(k)`` returns ``k``; srcdiff has no rule for it, so a derivative that would flow
    through it is refused with this message."""

    def __init__(self, what):
        self.__name__ = "no_derivative"
        self.__srcdiff_refusal__ = ("srcdiff has no derivative of %s" % what, FIX)

    def __call__(self, value):
        return value


# The cdf of the t, gamma and beta families at ``z`` (standardized); their derivative in ``z`` is the
# density, in the shapes the *_da/_db/_ddf kernels below.
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


def t_cdf_ddf(z, df):
    return stdtr_ddf(df, z)


def gamma_cdf_da(z, a):
    return gammainc_da(a, numpy.maximum(z, 0.0))


def beta_cdf_da(z, a, b):
    zc = numpy.clip(z, 0.0, 1.0)
    return betainc_da(a, b, zc, 1.0 - zc)


def beta_cdf_db(z, a, b):
    zc = numpy.clip(z, 0.0, 1.0)
    return betainc_db(a, b, zc, 1.0 - zc)


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


def mvn_dimension(mean, cov):
    """The dimension SciPy reads from ``mean`` and ``cov`` (1 for two scalars)."""
    if numpy.ndim(cov) == 2:
        return numpy.shape(cov)[0]
    if numpy.ndim(cov) == 1:
        return numpy.shape(cov)[0]
    return numpy.size(mean) if mean is not None else 1


def mvn_batch_shape(x, dim):
    """The shape of the result before SciPy squeezes it: a 1-d ``x`` is one point, or ``n`` points of
    dimension 1."""
    shape = numpy.shape(x)
    if dim == 1 and len(shape) <= 1:
        return shape
    return shape[:-1]


def dirichlet_check(x, alpha):
    """SciPy's own checks of ``x`` and ``alpha`` (on the simplex, positive), raising its errors."""
    scipy.stats.dirichlet.logpdf(x, alpha)
    return 0
