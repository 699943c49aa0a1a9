"""User functions for test_user_rules.py (in a file: srcdiff reads their source)."""
import math

import numpy as np


def softplus(x):
    """A user function with a numerically careful hand-written derivative."""
    return np.logaddexp(0.0, x)


def softplus_loss(w, X):
    return np.sum(softplus(X @ w) ** 2)


def erf_loss(a, b):
    return math.erf(a * b) + a


def lgamma_loss(a, b):
    return math.lgamma(a * b) + a


def rounded_scale(x):
    return np.floor(np.sum(x)) * 0.0 + 2.0


def uses_rounded(x):
    return np.sum(x ** 2) * rounded_scale(x)


def bad_template(y, z):
    d[z] = d[y]  # noqa: F821


def sigmoid_template(y, x):
    d[x] = d[y] * y * (1.0 - y)  # noqa: F821


def tanh_sum(x):
    return np.sum(np.tanh(x))


def misspelled_template(y, x):
    d[x] = d[y] * nmupy.exp(x)  # noqa: F821  (a typo: nmupy)
