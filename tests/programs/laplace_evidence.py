"""Laplace approximation to the evidence of a one-weight logistic regression: the curvature of the
log joint at the mode by grad(grad(...)) written inline, differentiated for the prior scale (empirical Bayes)."""
import numpy as np
from srcdiff import grad

from tests.programs.harness import Case


def log_joint(w, x, y, prior_scale):
    logits = w * x
    log_lik = np.sum(y * logits - np.logaddexp(0.0, logits))
    log_prior = -0.5 * (w / prior_scale) ** 2 - np.log(prior_scale) - 0.5 * np.log(2 * np.pi)
    return log_lik + log_prior


def laplace_log_evidence(prior_scale, w_map, x, y):
    # Gaussian approximation at the mode: log p(y) ~ log p(y, w*) + 0.5 log(2 pi) - 0.5 log(-d2/dw2 log p)
    precision = -grad(grad(log_joint))(w_map, x, y, prior_scale)
    return log_joint(w_map, x, y, prior_scale) + 0.5 * np.log(2 * np.pi) - 0.5 * np.log(precision)


def _args():
    rng = np.random.default_rng(61)
    x = rng.standard_normal(20)
    y = (rng.random(20) < 1 / (1 + np.exp(-1.5 * x))).astype(float)
    return 1.3, 1.1, x, y


CASES = [
    Case("laplace_evidence_prior_scale", laplace_log_evidence, _args, wrt=0,
         notes="grad(grad(log_joint)) inline for the curvature; differentiated for the prior scale"),
    Case("laplace_evidence_mode", laplace_log_evidence, _args, wrt=1,
         notes="the same, differentiated for the mode (third derivative of the log joint)"),
]
