"""functools.partial objectives, map over layers, and lambdas in the loss."""
import functools
from functools import partial, reduce

import numpy as np

from tests.programs.harness import Case


def ridge_loss(w, X, y, lam):
    r = X @ w - y
    return np.dot(r, r) / len(y) + lam * np.dot(w, w)


def _data():
    rng = np.random.default_rng(32)
    X = rng.standard_normal((7, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(7)


X_, y_ = _data()
objective = partial(ridge_loss, X=X_, y=y_, lam=0.1)


def weight_decay(weights, lam=1e-2):
    return lam * sum(map(lambda w: np.sum(w ** 2), weights))


def deep_linear_loss(weights, x, target):
    prediction = reduce(lambda h, W: np.tanh(W @ h), weights, x)
    return np.sum((prediction - target) ** 2) + weight_decay(weights)


def layer_norms(weights):
    norms = list(map(np.linalg.norm, weights))
    return functools.reduce(lambda a, b: a + b, norms)


def _deep_args():
    rng = np.random.default_rng(33)
    weights = [0.6 * rng.standard_normal((3, 3)) for _ in range(3)]
    return weights, rng.standard_normal(3), rng.standard_normal(3)


def _norm_args():
    return (_deep_args()[0],)


CASES = [
    Case("partial_ridge", objective, lambda: (np.array([0.3, -0.1, 0.7]),), wrt=0,
         notes="a functools.partial object with keyword-bound data passed to grad"),
    Case("reduce_lambda_map_decay", deep_linear_loss, _deep_args, wrt=(0, 1),
         notes="functools.reduce with a lambda over layers; sum(map(lambda ...)) weight decay"),
    Case("map_norms", layer_norms, _norm_args, wrt=0,
         notes="list(map(np.linalg.norm, weights)); reduce with a lambda"),
]
