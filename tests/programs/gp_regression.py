"""Gaussian process regression: a factory returns predict and log marginal likelihood closures."""
import numpy as np
import numpy.random as npr
from scipy.stats import multivariate_normal as mvn

from tests.programs.harness import Case


def make_gp_funs(cov_func, num_cov_params):
    """Functions that perform Gaussian process regression.
       cov_func has signature (cov_params, x, x')"""

    def unpack_kernel_params(params):
        mean = params[0]
        cov_params = params[2:]
        noise_scale = np.exp(params[1]) + 0.0001
        return mean, cov_params, noise_scale

    def predict(params, x, y, xstar):
        """Returns the predictive mean and covariance at locations xstar,
           of the latent function value f (without observation noise)."""
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_f_f = cov_func(cov_params, xstar, xstar)
        cov_y_f = cov_func(cov_params, x, xstar)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        pred_mean = mean + np.dot(np.linalg.solve(cov_y_y, cov_y_f).T, y - mean)
        pred_cov = cov_f_f - np.dot(np.linalg.solve(cov_y_y, cov_y_f).T, cov_y_f)
        return pred_mean, pred_cov

    def log_marginal_likelihood(params, x, y):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        cov_y_y = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        prior_mean = mean * np.ones(len(y))
        return mvn.logpdf(y, prior_mean, cov_y_y)

    def log_marginal_likelihood_cholesky(params, x, y):
        mean, cov_params, noise_scale = unpack_kernel_params(params)
        K = cov_func(cov_params, x, x) + noise_scale * np.eye(len(y))
        L = np.linalg.cholesky(K)
        alpha = np.linalg.solve(L.T, np.linalg.solve(L, y - mean))
        return -0.5 * np.dot(y - mean, alpha) - np.sum(np.log(np.diag(L))) - 0.5 * len(y) * np.log(2 * np.pi)

    return num_cov_params + 2, predict, log_marginal_likelihood, log_marginal_likelihood_cholesky


# Define an example covariance function.
def rbf_covariance(kernel_params, x, xp):
    output_scale = np.exp(kernel_params[0])
    lengthscales = np.exp(kernel_params[1:])
    diffs = np.expand_dims(x / lengthscales, 1) - np.expand_dims(xp / lengthscales, 0)
    return output_scale * np.exp(-0.5 * np.sum(diffs ** 2, axis=2))


D = 1
num_params, predict, log_marginal_likelihood, lml_cholesky = make_gp_funs(rbf_covariance, num_cov_params=D + 1)


def build_toy_dataset(D=1, n_data=8, noise_std=0.1):
    rs = npr.RandomState(0)
    inputs = np.concatenate([np.linspace(0, 3, num=n_data // 2), np.linspace(6, 8, num=n_data // 2)])
    targets = (np.cos(inputs) + rs.randn(n_data) * noise_std) / 2.0
    inputs = (inputs - 4.0) / 2.0
    inputs = inputs.reshape((len(inputs), D))
    return inputs, targets


X, y = build_toy_dataset()


def objective(params):
    return -log_marginal_likelihood(params, X, y)


def objective_cholesky(params):
    return -lml_cholesky(params, X, y)


def predictive_variance_sum(params, xstar):
    pred_mean, pred_cov = predict(params, X, y, xstar)
    return np.sum(pred_mean ** 2) + np.trace(pred_cov)


def _params():
    return (0.1 * npr.RandomState(26).randn(num_params),)


CASES = [
    Case("gp_mvn_logpdf", objective, _params, wrt=0,
         notes="closures from a factory; scipy.stats.multivariate_normal.logpdf"),
    Case("gp_cholesky", objective_cholesky, _params, wrt=0,
         notes="closure from a factory; cholesky, solves"),
    Case("gp_predict", predictive_variance_sum, lambda: (_params()[0], np.linspace(-1, 1, 3).reshape(3, 1)),
         wrt=(0, 1), notes="predictive mean and covariance, with respect to params and test inputs"),
]
