"""A two-layer net with batch normalization in training mode written inline (cs231n assignment style):
``P = dict(params)`` before adding entries, running statistics updated through a rebound name."""
import numpy as np

from tests.programs.harness import Case


def bn_net_loss(params, x, y, bn_param):
    P = dict(params)
    P["eps"] = 1e-5
    h = x @ P["W1"]
    cache = bn_param
    mu = h.mean(axis=0)
    var = h.var(axis=0)
    cache["running_mean"] = 0.9 * cache["running_mean"] + 0.1 * mu
    cache["running_var"] = 0.9 * cache["running_var"] + 0.1 * var
    h = P["gamma"] * (h - mu) / np.sqrt(var + P["eps"]) + P["beta"]
    h = np.maximum(h, 0)
    scores = h @ P["W2"]
    shift = bn_param["running_mean"].sum()  # read back through the argument's own name
    return np.mean((scores - y) ** 2) + 1e-3 * shift ** 2


def _args():
    rng = np.random.default_rng(173)
    params = {"W1": rng.standard_normal((3, 5)), "gamma": 1 + 0.1 * rng.standard_normal(5),
              "beta": 0.1 * rng.standard_normal(5), "W2": rng.standard_normal((5, 2))}
    bn_param = {"running_mean": np.zeros(5), "running_var": np.ones(5)}
    return params, rng.standard_normal((6, 3)), rng.standard_normal((6, 2)), bn_param


CASES = [
    Case("batchnorm_inline_dict_copy_and_alias", bn_net_loss, _args, wrt=0,
         notes="P = dict(params); cache = bn_param; cache['running_mean'] = ...; read back as bn_param[...]"),
]
