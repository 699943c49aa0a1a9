"""scipy.stats' continuous distributions as NumPy formulas that srcdiff differentiates like user code.

Each distribution has five functions of the standardized point ``z = (x - loc) / scale`` and its
shape parameters (log density, cdf, sf and their logarithms); ``family`` makes from them the six
methods with ``loc`` and ``scale``. Outside the support the formulas read a stand-in point inside
it, so the value is SciPy's (-inf, 0 or 1) and the derivative 0; invalid parameters give NaN.
The cdf of t, gamma, chi2 and beta is a primitive (kernels_stats, rules in stats_rules); its derivative in the
shape parameters is a series (runtime/kernels_incomplete).
"""
import numpy
import scipy.special

from ..runtime.kernels_stats import beta_cdf, beta_sf, gamma_cdf, gamma_sf, t_cdf

_LOG_SQRT_2PI = 0.9189385332046727  # log(sqrt(2 pi))
_LOG_SQRT_PI = 0.5723649429247001
_LOG_PI = 1.1447298858494002
_LOG_2 = 0.6931471805599453
_INF = numpy.inf


def positive(v):
    """``v``, NaN where it is not positive (SciPy's value for an invalid scale or shape)."""
    return v + numpy.where(v > 0, 0.0, numpy.nan)


def log_probability(p):
    """log p, with -inf and a zero derivative where p is 0 (outside the support)."""
    return numpy.where(p == 0, -_INF, numpy.log(numpy.where(p == 0, 1.0, p)))


def _logs(nshapes, cdf, sf):
    """log cdf and log sf computed as the logarithms of cdf and sf (SciPy's default)."""
    if nshapes == 1:
        def logcdf(z, c):
            return log_probability(cdf(z, c))

        def logsf(z, c):
            return log_probability(sf(z, c))
    else:
        def logcdf(z, a, b):
            return log_probability(cdf(z, a, b))

        def logsf(z, a, b):
            return log_probability(sf(z, a, b))
    return logcdf, logsf


def family(name, nshapes, logpdf_z, cdf_z, sf_z, logcdf_z, logsf_z):
    """The methods ``logpdf pdf cdf logcdf sf logsf`` of ``scipy.stats.<name>``, taking
    ``(x, shape..., loc, scale)`` positionally."""
    if nshapes == 0:
        def logpdf(x, loc, scale):
            scale = positive(scale)
            y = logpdf_z((x - loc) / scale)
            return numpy.where(y == -_INF, y, y - numpy.log(scale))

        def pdf(x, loc, scale):
            scale = positive(scale)
            return numpy.exp(logpdf_z((x - loc) / scale)) / scale

        def cdf(x, loc, scale):
            return cdf_z((x - loc) / positive(scale))

        def sf(x, loc, scale):
            return sf_z((x - loc) / positive(scale))

        def logcdf(x, loc, scale):
            return logcdf_z((x - loc) / positive(scale))

        def logsf(x, loc, scale):
            return logsf_z((x - loc) / positive(scale))
    elif nshapes == 1:
        def logpdf(x, c, loc, scale):
            scale = positive(scale)
            y = logpdf_z((x - loc) / scale, positive(c))
            return numpy.where(y == -_INF, y, y - numpy.log(scale))

        def pdf(x, c, loc, scale):
            scale = positive(scale)
            return numpy.exp(logpdf_z((x - loc) / scale, positive(c))) / scale

        def cdf(x, c, loc, scale):
            return cdf_z((x - loc) / positive(scale), positive(c))

        def sf(x, c, loc, scale):
            return sf_z((x - loc) / positive(scale), positive(c))

        def logcdf(x, c, loc, scale):
            return logcdf_z((x - loc) / positive(scale), positive(c))

        def logsf(x, c, loc, scale):
            return logsf_z((x - loc) / positive(scale), positive(c))
    else:
        def logpdf(x, a, b, loc, scale):
            scale = positive(scale)
            y = logpdf_z((x - loc) / scale, positive(a), positive(b))
            return numpy.where(y == -_INF, y, y - numpy.log(scale))

        def pdf(x, a, b, loc, scale):
            scale = positive(scale)
            return numpy.exp(logpdf_z((x - loc) / scale, positive(a), positive(b))) / scale

        def cdf(x, a, b, loc, scale):
            return cdf_z((x - loc) / positive(scale), positive(a), positive(b))

        def sf(x, a, b, loc, scale):
            return sf_z((x - loc) / positive(scale), positive(a), positive(b))

        def logcdf(x, a, b, loc, scale):
            return logcdf_z((x - loc) / positive(scale), positive(a), positive(b))

        def logsf(x, a, b, loc, scale):
            return logsf_z((x - loc) / positive(scale), positive(a), positive(b))
    methods = {"logpdf": logpdf, "pdf": pdf, "cdf": cdf, "sf": sf, "logcdf": logcdf, "logsf": logsf}
    for method, fn in methods.items():
        fn.__srcdiff_definition__ = "scipy.stats.%s.%s" % (name, method)
        fn.__name__ = fn.__qualname__ = "%s_%s" % (name, method)  # names the generated helpers
    return methods


# ------------------------------------------------------------------ norm, logistic, cauchy, laplace
def norm_logpdf(z):
    return -0.5 * z * z - _LOG_SQRT_2PI


def norm_cdf(z):
    return scipy.special.ndtr(z)


def norm_sf(z):
    return scipy.special.ndtr(-z)


def norm_logcdf(z):
    return scipy.special.log_ndtr(z)


def norm_logsf(z):
    return scipy.special.log_ndtr(-z)


def logistic_logpdf(z):
    a = numpy.abs(z)
    return -a - 2.0 * numpy.log1p(numpy.exp(-a))


def logistic_cdf(z):
    return scipy.special.expit(z)


def logistic_sf(z):
    return scipy.special.expit(-z)


def logistic_logcdf(z):
    return scipy.special.log_expit(z)


def logistic_logsf(z):
    return scipy.special.log_expit(-z)


def cauchy_logpdf(z):
    return -_LOG_PI - numpy.log1p(z * z)


def cauchy_cdf(z):
    return 0.5 + numpy.arctan(z) / numpy.pi


def cauchy_sf(z):
    return 0.5 - numpy.arctan(z) / numpy.pi


def laplace_logpdf(z):
    return -numpy.abs(z) - _LOG_2


# each branch reads z only where it is taken, so that the derivative at 0 is the density's 1/2
def laplace_cdf(z):
    right = numpy.where(z > 0, z, 0.0)
    left = numpy.where(z > 0, 0.0, z)
    return numpy.where(z > 0, 1.0 - 0.5 * numpy.exp(-right), 0.5 * numpy.exp(left))


def laplace_sf(z):
    return laplace_cdf(-z)


def laplace_logcdf(z):
    right = numpy.where(z > 0, z, 0.0)
    left = numpy.where(z > 0, 0.0, z)
    return numpy.where(z > 0, numpy.log1p(-0.5 * numpy.exp(-right)), left - _LOG_2)


def laplace_logsf(z):
    return laplace_logcdf(-z)


# ------------------------------------------------------------------ expon, uniform, lognorm
def expon_logpdf(z):
    zs = numpy.where(z < 0, 0.0, z)
    return numpy.where(z < 0, -_INF, -zs)


def expon_cdf(z):
    zs = numpy.where(z < 0, 0.0, z)
    return numpy.where(z < 0, 0.0, -numpy.expm1(-zs))


def expon_sf(z):
    zs = numpy.where(z < 0, 0.0, z)
    return numpy.where(z < 0, 1.0, numpy.exp(-zs))


def expon_logcdf(z):
    zs = numpy.where(z < 0, 1.0, z)
    return numpy.where(z < 0, -_INF, numpy.log(-numpy.expm1(-zs)))


def expon_logsf(z):
    zs = numpy.where(z < 0, 0.0, z)
    return numpy.where(z < 0, 0.0, -zs)


def uniform_logpdf(z):
    return numpy.where((z < 0) | (z > 1), -_INF, 0.0 * z)


def uniform_cdf(z):
    return numpy.where(z < 0, 0.0, numpy.where(z > 1, 1.0, z))


def uniform_sf(z):
    return 1.0 - uniform_cdf(z)


def uniform_logcdf(z):
    return numpy.where(z < 0, -_INF, numpy.log(numpy.where(z < 0, 0.5, numpy.where(z > 1, 1.0, z))))


def uniform_logsf(z):
    return numpy.where(z > 1, -_INF, numpy.log1p(-numpy.where(z < 0, 0.0, numpy.where(z > 1, 0.5, z))))


def _cauchy_logs():
    def logcdf(z):
        return numpy.log(cauchy_cdf(z))

    def logsf(z):
        return numpy.log(cauchy_sf(z))
    return logcdf, logsf


def _outside(z, value):
    """``value`` where z <= 0 (outside the support of lognorm), NaN where z is NaN."""
    return numpy.where(z <= 0, value, numpy.nan)


def _log_inside(z):
    """log z where z > 0, and 0 elsewhere (a stand-in the caller's ``where`` discards)."""
    return numpy.log(numpy.where(z > 0, z, 1.0))


def lognorm_logpdf(z, s):
    lz = _log_inside(z)
    u = lz / s
    return numpy.where(z > 0, -numpy.log(s) - lz - _LOG_SQRT_2PI - 0.5 * u * u, _outside(z, -_INF))


def lognorm_cdf(z, s):
    return numpy.where(z > 0, scipy.special.ndtr(_log_inside(z) / s), _outside(z, 0.0))


def lognorm_sf(z, s):
    return numpy.where(z > 0, scipy.special.ndtr(-_log_inside(z) / s), _outside(z, 1.0))


def lognorm_logcdf(z, s):
    return numpy.where(z > 0, scipy.special.log_ndtr(_log_inside(z) / s), _outside(z, -_INF))


def lognorm_logsf(z, s):
    return numpy.where(z > 0, scipy.special.log_ndtr(-_log_inside(z) / s), _outside(z, 0.0))


# ------------------------------------------------------------------ t, gamma, chi2, beta
def t_logpdf(z, df):
    return scipy.special.gammaln(0.5 * (df + 1.0)) - scipy.special.gammaln(0.5 * df) - 0.5 * numpy.log(df) \
        - _LOG_SQRT_PI - 0.5 * (df + 1.0) * numpy.log1p(z * z / df)


def t_cdf_z(z, df):
    return t_cdf(z, df)


def t_sf_z(z, df):
    return t_cdf(-z, df)


def gamma_logpdf(z, a):
    zs = numpy.where(z < 0, 1.0, z)
    return numpy.where(z < 0, -_INF, scipy.special.xlogy(a - 1.0, zs) - zs - scipy.special.gammaln(a))


def gamma_cdf_z(z, a):
    return gamma_cdf(z, a)


def gamma_sf_z(z, a):
    return gamma_sf(z, a)


def chi2_logpdf(z, df):
    return gamma_logpdf(0.5 * z, 0.5 * df) - _LOG_2


def chi2_cdf(z, df):
    return gamma_cdf(0.5 * z, 0.5 * df)


def chi2_sf(z, df):
    return gamma_sf(0.5 * z, 0.5 * df)


def beta_logpdf(z, a, b):
    out = (z < 0) | (z > 1)
    zs = numpy.where(out, 0.5, z)
    return numpy.where(out, -_INF, scipy.special.xlogy(a - 1.0, zs) + scipy.special.xlog1py(b - 1.0, -zs)
                       - scipy.special.betaln(a, b))


def beta_cdf_z(z, a, b):
    return beta_cdf(z, a, b)


def beta_sf_z(z, a, b):
    return beta_sf(z, a, b)


def _standard(name, nshapes, logpdf_z, cdf_z, sf_z, logcdf_z=None, logsf_z=None):
    if logcdf_z is None:
        logcdf_z, logsf_z = _logs(nshapes, cdf_z, sf_z)
    return family(name, nshapes, logpdf_z, cdf_z, sf_z, logcdf_z, logsf_z)


METHODS = {  # distribution name -> (number of shape parameters, {method: definition})
    "norm": (0, _standard("norm", 0, norm_logpdf, norm_cdf, norm_sf, norm_logcdf, norm_logsf)),
    "logistic": (0, _standard("logistic", 0, logistic_logpdf, logistic_cdf, logistic_sf, logistic_logcdf,
                              logistic_logsf)),
    "cauchy": (0, _standard("cauchy", 0, cauchy_logpdf, cauchy_cdf, cauchy_sf, *_cauchy_logs())),
    "laplace": (0, _standard("laplace", 0, laplace_logpdf, laplace_cdf, laplace_sf, laplace_logcdf, laplace_logsf)),
    "expon": (0, _standard("expon", 0, expon_logpdf, expon_cdf, expon_sf, expon_logcdf, expon_logsf)),
    "uniform": (0, _standard("uniform", 0, uniform_logpdf, uniform_cdf, uniform_sf, uniform_logcdf, uniform_logsf)),
    "lognorm": (1, _standard("lognorm", 1, lognorm_logpdf, lognorm_cdf, lognorm_sf, lognorm_logcdf, lognorm_logsf)),
    "t": (1, _standard("t", 1, t_logpdf, t_cdf_z, t_sf_z)),
    "gamma": (1, _standard("gamma", 1, gamma_logpdf, gamma_cdf_z, gamma_sf_z)),
    "chi2": (1, _standard("chi2", 1, chi2_logpdf, chi2_cdf, chi2_sf)),
    "beta": (2, _standard("beta", 2, beta_logpdf, beta_cdf_z, beta_sf_z)),
}
