"""Maximum-likelihood ICA with a logistic source prior; local aliases of NumPy functions."""
import numpy as np

from tests.programs.harness import Case


def ica_negative_log_likelihood(W, X):
    """-(1/N) sum_n [ sum_i log p(w_i . x_n) ] - log|det W|, with a sech^2 (logistic) density."""
    log, cosh, dot = np.log, np.cosh, np.dot
    pi, sqrt = np.pi, np.sqrt
    N = X.shape[0]
    S = dot(X, W.T)
    log_p = -2.0 * log(cosh(0.5 * S)) - log(4.0)
    sign, logdet = np.linalg.slogdet(W)
    reg = 1e-3 * sqrt(np.sum(W ** 2) + pi)
    return -np.sum(log_p) / N - logdet + reg


def whiten(X):
    Xc = X - X.mean(axis=0)
    cov = Xc.T @ Xc / len(Xc)
    d, E = np.linalg.eigh(cov)
    return Xc @ E @ np.diag(1.0 / np.sqrt(d)) @ E.T


def _args():
    rng = np.random.default_rng(28)
    S = rng.laplace(size=(20, 3))
    A = rng.standard_normal((3, 3))
    X = whiten(S @ A.T)
    return np.eye(3) + 0.2 * rng.standard_normal((3, 3)), X


CASES = [
    Case("ica_local_aliases_slogdet", ica_negative_log_likelihood, _args, wrt=0,
         notes="`log, cosh, dot = np.log, np.cosh, np.dot`; `pi, sqrt = np.pi, np.sqrt`; slogdet tuple"),
]
