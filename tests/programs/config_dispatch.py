"""A config-driven regression net (the style of small training scripts): activations picked from a
dict literal, losses from a module-level registry keyed by a module-level config, layer options passed
as ``**opts`` and layer arguments as ``*args``."""
import numpy as np

from tests.programs.harness import Case


def softplus(z):
    return np.logaddexp(0.0, z)


def huber(pred, y, delta=1.0):
    r = np.abs(pred - y)
    return np.mean(np.where(r < delta, 0.5 * r ** 2, delta * (r - 0.5 * delta)))


LOSSES = {"mse": lambda pred, y: np.mean((pred - y) ** 2), "huber": huber}
CONFIG = {"loss": "huber", "hidden": "softplus"}


def dense(x, W, b, scale=1.0):
    return scale * (x @ W + b)


def net_loss(params, X, y):
    acts = {"tanh": np.tanh, "softplus": softplus}
    opts = {"scale": 0.5}
    first = (X, params["W1"], params["b1"])
    h = acts["softplus"](dense(*first, **opts))
    h = acts["tanh"](dense(h, params["W2"], params["b2"]))
    pred = dense(*(h, params["W3"], params["b3"]))
    return LOSSES[CONFIG["loss"]](pred, y) + 1e-2 * LOSSES["mse"](params["W1"], 0.0)


def _args():
    rng = np.random.default_rng(172)
    params = {"W1": 0.5 * rng.standard_normal((3, 6)), "b1": 0.1 * rng.standard_normal(6),
              "W2": 0.5 * rng.standard_normal((6, 4)), "b2": 0.1 * rng.standard_normal(4),
              "W3": 0.5 * rng.standard_normal((4, 2)), "b3": np.zeros(2)}
    return params, rng.standard_normal((8, 3)), rng.standard_normal((8, 2))


CASES = [
    Case("config_dicts_of_functions", net_loss, _args, wrt=0,
         notes="acts['softplus'](z) from a dict literal; LOSSES[CONFIG['loss']](p, y); dense(*first, **opts)"),
]
