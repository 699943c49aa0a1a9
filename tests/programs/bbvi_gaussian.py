"""Black-box variational inference with a reparameterized diagonal Gaussian (autograd-examples style)."""
import numpy as np
import numpy.random as npr
from scipy.stats import norm

from tests.programs.harness import Case


def black_box_variational_inference(logprob, D, num_samples):
    """Implements http://arxiv.org/abs/1401.0118, and uses the
    local reparameterization trick from http://arxiv.org/abs/1506.02557"""

    def unpack_params(params):
        # Variational dist is a diagonal Gaussian.
        mean, log_std = params[:D], params[D:]
        return mean, log_std

    def gaussian_entropy(log_std):
        return 0.5 * D * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)

    def variational_objective(params, t):
        """Provides a stochastic estimate of the variational lower bound."""
        mean, log_std = unpack_params(params)
        rs = npr.RandomState(t)
        samples = rs.randn(num_samples, D) * np.exp(log_std) + mean
        lower_bound = gaussian_entropy(log_std) + np.mean(logprob(samples, t))
        return -lower_bound

    return variational_objective, unpack_params


def log_density(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = norm.logpdf(log_sigma, 0, 1.35)
    mu_density = norm.logpdf(mu, 0, np.exp(log_sigma))
    return sigma_density + mu_density


objective, unpack = black_box_variational_inference(log_density, D=2, num_samples=20)


def log_density_by_hand(x, t):
    mu, log_sigma = x[:, 0], x[:, 1]
    sigma_density = -0.5 * (log_sigma / 1.35) ** 2 - np.log(1.35) - 0.5 * np.log(2 * np.pi)
    mu_density = -0.5 * mu ** 2 * np.exp(-2 * log_sigma) - log_sigma - 0.5 * np.log(2 * np.pi)
    return sigma_density + mu_density


objective_by_hand, _ = black_box_variational_inference(log_density_by_hand, D=2, num_samples=20)


def _args():
    init_mean = -1 * np.ones(2)
    init_log_std = -5 * np.ones(2)
    params = np.concatenate([init_mean, init_log_std]) + 0.1 * np.random.default_rng(0).standard_normal(4)
    return params, 3


CASES = [
    Case("bbvi_funnel_scipy_norm", objective, _args, wrt=0,
         notes="closure from a factory calling inner defs; scipy.stats.norm.logpdf; RandomState inside"),
    Case("bbvi_funnel_by_hand", objective_by_hand, _args, wrt=0,
         notes="the same objective with the log density written out"),
]
