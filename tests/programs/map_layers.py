"""A list-of-layers MLP built from a flat vector with ``params = params + [(W, b)]``, hidden states
collected with ``hs = hs + [h]``, and priors written with ``map`` (autograd-example style)."""
import numpy as np

from tests.programs.harness import Case


def unflatten(flat, layer_sizes):
    params = []
    i = 0
    for m, n in zip(layer_sizes[:-1], layer_sizes[1:]):
        W = flat[i:i + m * n].reshape(*(m, n))
        i = i + m * n
        b = flat[i:i + n]
        i = i + n
        params = params + [(W, b)]
    return params


def predict(params, inputs):
    hs = [inputs]
    for W, b in params[:-1]:
        hs = hs + [np.tanh(np.dot(hs[-1], W) + b)]
    W, b = params[-1]
    logits = np.dot(hs[-1], W) + b
    return logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True)), hs


def log_prior(params, scale):
    weights = sum(map(lambda layer: np.sum(layer[0] ** 2), params))
    biases = sum(map(np.sum, list(map(lambda layer: layer[1] ** 2, params))))
    return -0.5 * (weights + biases) / scale ** 2


def objective(flat, inputs, targets, layer_sizes):
    params = unflatten(flat, layer_sizes)
    logprobs, hs = predict(params, inputs)
    activity = sum(map(lambda h: np.mean(h ** 2), hs[1:]))
    return -np.sum(logprobs * targets) / inputs.shape[0] - log_prior(params, 2.0) + 1e-3 * activity


def _args():
    rs = np.random.RandomState(171)
    sizes = [5, 4, 3]
    n = sum(m * k + k for m, k in zip(sizes[:-1], sizes[1:]))
    return 0.3 * rs.randn(n), rs.randn(6, 5), np.eye(3)[rs.randint(0, 3, size=6)], sizes


CASES = [
    Case("mlp_list_concat_map_prior", objective, _args, wrt=0,
         notes="params = params + [(W, b)]; hs = hs + [h]; sum(map(lambda ...)); reshape(*(m, n))"),
]
