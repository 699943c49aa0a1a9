"""Likelihood fits written with scipy.stats: a Student-t location/scale/df fit, a Bayesian logistic
regression (normal prior, Bernoulli likelihood), a multivariate normal log-likelihood in its mean and
covariance, and a gamma/Poisson hierarchical model with frozen distributions."""
import numpy as np
from scipy import stats
from scipy.stats import bernoulli, multivariate_normal, norm

from tests.programs.harness import Case

PRIOR = norm(0.0, 2.5)  # a module-level frozen prior


def student_t_fit(theta, data):
    loc, log_scale, log_df = theta
    return -np.sum(stats.t.logpdf(data, np.exp(log_df), loc=loc, scale=np.exp(log_scale)))


def bayesian_logistic_regression(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    log_prior = np.sum(PRIOR.logpdf(w)) + norm.logpdf(w[0], 0.0, 10.0)
    return -(log_prior + np.sum(bernoulli.logpmf(y, p)))


def mvn_loglik(mean, cov, data):
    return np.sum(multivariate_normal.logpdf(data, mean=mean, cov=cov))


def gamma_poisson(params, counts, exposure):
    log_rate, log_shape = params[:-1], params[-1]
    rates = np.exp(log_rate)
    prior = stats.gamma(np.exp(log_shape), scale=1.0)
    likelihood = stats.poisson(rates * exposure)
    return np.sum(likelihood.logpmf(counts)) + np.sum(prior.logpdf(rates)) + stats.expon.logpdf(np.exp(log_shape))


def _t_args():
    rng = np.random.default_rng(61)
    return np.array([0.2, -0.3, 1.1]), 0.5 + 1.5 * rng.standard_t(3, size=20)


def _logreg_args():
    rng = np.random.default_rng(62)
    X = rng.standard_normal((15, 3))
    return 0.3 * rng.standard_normal(3), X, (rng.random(15) < 0.5) * 1.0


def _mvn_args():
    rng = np.random.default_rng(63)
    a = rng.standard_normal((3, 3))
    return np.array([0.1, -0.2, 0.3]), a @ a.T + 2.0 * np.eye(3), rng.standard_normal((10, 3))


def _gamma_poisson_args():
    rng = np.random.default_rng(64)
    return np.array([0.1, 0.5, -0.2, 0.3]), rng.poisson(2.0, size=3) * 1.0, np.array([1.0, 2.0, 0.5])


CASES = [
    Case("student_t_location_scale_df", student_t_fit, _t_args, wrt=0,
         notes="stats.t.logpdf with df (digamma through gammaln), loc= and scale= keywords"),
    Case("bayesian_logistic_regression", bayesian_logistic_regression, _logreg_args, wrt=0,
         notes="module-level frozen norm prior, norm.logpdf, bernoulli.logpmf in p"),
    Case("mvn_loglik_mean", mvn_loglik, _mvn_args, wrt=0, notes="multivariate_normal.logpdf(mean=, cov=) in the mean"),
    Case("mvn_loglik_cov", mvn_loglik, _mvn_args, wrt=1,
         notes="in the covariance (SciPy reads its lower triangle)"),
    Case("gamma_poisson_frozen", gamma_poisson, _gamma_poisson_args, wrt=0,
         notes="frozen gamma and poisson made in the function; expon.logpdf"),
]
