"""Activations and losses looked up by name in dicts, and a loss registry of lambdas (config-driven code)."""
import numpy as np

from tests.programs.harness import Case


def relu(x):
    return np.maximum(x, 0.0)


def softplus(x):
    return np.logaddexp(0.0, x)


ACTIVATIONS = {"tanh": np.tanh, "relu": relu, "softplus": softplus}

LOSSES = {
    "mse": lambda pred, y: np.mean((pred - y) ** 2),
    "huber": lambda pred, y: np.mean(np.where(np.abs(pred - y) < 1, 0.5 * (pred - y) ** 2, np.abs(pred - y) - 0.5)),
}

CONFIG = {"hidden_activation": "softplus", "loss": "huber", "layers": [3, 5, 2]}


def forward(params, X, config=CONFIG):
    act = ACTIVATIONS[config["hidden_activation"]]
    h = X
    for i in range(len(config["layers"]) - 1):
        h = h @ params["W%d" % i] + params["b%d" % i]
        if i < len(config["layers"]) - 2:
            h = act(h)
    return h


def config_loss(params, X, y):
    return LOSSES[CONFIG["loss"]](forward(params, X), y)


def _args():
    rng = np.random.default_rng(43)
    params = {"W0": 0.5 * rng.standard_normal((3, 5)), "b0": np.zeros(5),
              "W1": 0.5 * rng.standard_normal((5, 2)), "b1": np.zeros(2)}
    return params, rng.standard_normal((4, 3)), rng.standard_normal((4, 2))


CASES = [
    Case("activation_and_loss_from_dicts", config_loss, _args, wrt=0,
         notes="ACTIVATIONS[name](z), LOSSES[name](pred, y) with lambdas; keys built by '%' formatting"),
]
