"""Robust regression with a Student-t likelihood and logistic regression with scipy.special."""
import numpy as np
from scipy import special, stats
from scipy.special import expit, gammaln

from tests.programs.harness import Case


def student_t_regression_nll(params, X, y, nu=4.0):
    w, log_s = params[:-1], params[-1]
    resid = y - X @ w
    return -np.sum(stats.t.logpdf(resid, df=nu, scale=np.exp(log_s)))


def student_t_by_hand(params, X, y, nu=4.0):
    w, log_s = params[:-1], params[-1]
    s = np.exp(log_s)
    z = (y - X @ w) / s
    logc = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - log_s
    return -np.sum(logc - (nu + 1) / 2 * np.log1p(z ** 2 / nu))


def logistic_regression_nll(w, X, y):
    p = expit(X @ w)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * special.log1p(-p))


def _args():
    rng = np.random.default_rng(38)
    X = rng.standard_normal((8, 2))
    y = X @ np.array([1.0, -1.0]) + rng.standard_t(3, size=8)
    return np.array([0.5, -0.5, 0.1]), X, y


def _logreg_args():
    rng = np.random.default_rng(39)
    X = rng.standard_normal((9, 3))
    return 0.5 * rng.standard_normal(3), X, (rng.random(9) < 0.5) * 1.0


CASES = [
    Case("student_t_scipy_stats", student_t_regression_nll, _args, wrt=0,
         notes="stats.t.logpdf(x, df=, scale=) through the `stats` module alias"),
    Case("student_t_gammaln", student_t_by_hand, _args, wrt=0,
         notes="scipy.special.gammaln of constants; log1p"),
    Case("logistic_expit_clip", logistic_regression_nll, _logreg_args, wrt=0,
         notes="expit, np.clip, special.log1p via the module"),
]
