"""scipy.stats' discrete distributions (poisson, binom, bernoulli) and multivariate_normal and dirichlet
as NumPy formulas that srcdiff differentiates like user code (see stats_continuous)."""
import numpy
import scipy.special

from ..runtime.kernels_stats import Refusal, dirichlet_check, mvn_batch_shape, mvn_dimension

_LOG_2PI = 1.8378770664093453
_INF = numpy.inf
_COUNT = Refusal("a pmf with respect to its count k, or to loc (both integers)")
_TRIALS = Refusal("scipy.stats.binom with respect to its number of trials n (an integer)")


def _non_count(k):
    """True where ``k`` is not a non-negative integer (the pmf is 0 there); False where it is NaN."""
    return (k < 0) | (k - numpy.floor(k) > 0)


def poisson_logpmf(k, mu, loc):
    k = _COUNT(k) - _COUNT(loc)
    mu = mu + numpy.where(mu >= 0, 0.0, numpy.nan)
    bad = _non_count(k)
    ks = numpy.where(bad, 0.0, k)
    return numpy.where(bad, -_INF, scipy.special.xlogy(ks, mu) - scipy.special.gammaln(ks + 1.0) - mu)


def poisson_pmf(k, mu, loc):
    return numpy.exp(poisson_logpmf(k, mu, loc))


def binom_logpmf(k, n, p, loc):
    k = _COUNT(k) - _COUNT(loc)
    n = _TRIALS(n)
    p = p + numpy.where((p >= 0) & (p <= 1) & (n >= 0) & (n - numpy.floor(n) == 0), 0.0, numpy.nan)
    bad = _non_count(k) | (k > n)
    ks = numpy.where(bad, 0.0, k)
    combinations = scipy.special.gammaln(n + 1.0) - scipy.special.gammaln(ks + 1.0) - \
        scipy.special.gammaln(n - ks + 1.0)
    return numpy.where(bad, -_INF, combinations + scipy.special.xlogy(ks, p) + scipy.special.xlog1py(n - ks, -p))


def binom_pmf(k, n, p, loc):
    return numpy.exp(binom_logpmf(k, n, p, loc))


def bernoulli_logpmf(k, p, loc):
    return binom_logpmf(k, 1.0, p, loc)


def bernoulli_pmf(k, p, loc):
    return numpy.exp(binom_logpmf(k, 1.0, p, loc))


def mvn_logpdf(x, mean, cov, allow_singular):
    dim = mvn_dimension(mean, cov)
    if numpy.ndim(cov) == 2:  # SciPy factorizes the lower triangle: the upper one does not count
        c = numpy.tril(cov) + numpy.transpose(numpy.tril(cov, -1))
    elif numpy.ndim(cov) == 1:
        c = numpy.diag(cov)
    else:
        c = cov * numpy.eye(dim)
    chol = numpy.linalg.cholesky(c)
    if mean is None:
        diff = numpy.reshape(x, (-1, dim))
    else:
        diff = numpy.reshape(x, (-1, dim)) - mean
    u = numpy.linalg.solve(chol, numpy.transpose(diff))
    maha = numpy.reshape(numpy.sum(u * u, axis=0), mvn_batch_shape(x, dim))
    logdet = 2.0 * numpy.sum(numpy.log(numpy.diagonal(chol)))
    return numpy.squeeze(-0.5 * (dim * _LOG_2PI + logdet + maha))


def mvn_pdf(x, mean, cov, allow_singular):
    return numpy.exp(mvn_logpdf(x, mean, cov, allow_singular))


def dirichlet_logpdf(x, alpha):
    dirichlet_check(x, alpha)
    if numpy.shape(x)[0] + 1 == numpy.shape(alpha)[0]:  # the last component is 1 - the others
        x = numpy.concatenate([x, 1.0 - numpy.sum(x, axis=0, keepdims=True)], axis=0)
    lnb = numpy.sum(scipy.special.gammaln(alpha)) - scipy.special.gammaln(numpy.sum(alpha))
    terms = numpy.transpose(scipy.special.xlogy(alpha - 1.0, numpy.transpose(x)))
    return numpy.squeeze(numpy.sum(terms, axis=0) - lnb)


METHODS = {  # distribution name -> {method: definition}
    "poisson": {"logpmf": poisson_logpmf, "pmf": poisson_pmf},
    "binom": {"logpmf": binom_logpmf, "pmf": binom_pmf},
    "bernoulli": {"logpmf": bernoulli_logpmf, "pmf": bernoulli_pmf},
    "multivariate_normal": {"logpdf": mvn_logpdf, "pdf": mvn_pdf},
    "dirichlet": {"logpdf": dirichlet_logpdf},
}
for _name, _methods in METHODS.items():
    for _method, _fn in _methods.items():
        _fn.__srcdiff_definition__ = "scipy.stats.%s.%s" % (_name, _method)
