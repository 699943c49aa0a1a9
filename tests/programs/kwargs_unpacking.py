"""Calls with *args and **kwargs, reshape(*shape), and options read from a kwargs dict."""
import numpy as np

from tests.programs.harness import Case


def dense(x, W, b, activation="tanh", **unused):
    z = x @ W + b
    if activation == "tanh":
        return np.tanh(z)
    elif activation == "relu":
        return np.maximum(z, 0)
    return z


def mlp(x, *layers, **kwargs):
    act = kwargs.get("activation", "tanh")
    for W, b in layers[:-1]:
        x = dense(x, W, b, activation=act)
    W, b = layers[-1]
    return dense(x, W, b, activation="linear")


def loss(flat, X, y, shapes, **options):
    layers = []
    i = 0
    for shape in shapes:
        n = int(np.prod(shape))
        W = flat[i:i + n].reshape(*shape)
        i += n
        b = flat[i:i + shape[1]]
        i += shape[1]
        layers.append((W, b))
    out = mlp(X, *layers, **options)
    reg = options.get("l2", 0.0) * np.sum(flat ** 2)
    return np.mean((out.ravel() - y) ** 2) + reg


def _args():
    rng = np.random.default_rng(34)
    shapes = [(3, 4), (4, 1)]
    n = sum(a * b + b for a, b in shapes)
    return 0.5 * rng.standard_normal(n), rng.standard_normal((6, 3)), rng.standard_normal(6), shapes


def loss_with_options(flat, X, y, shapes):
    return loss(flat, X, y, shapes, activation="relu", l2=1e-2)


CASES = [
    Case("star_args_star_kwargs_mlp", loss, _args, wrt=0,
         notes="mlp(X, *layers, **options); reshape(*shape); kwargs.get"),
    Case("kwargs_forwarded_from_wrapper", loss_with_options, _args, wrt=0,
         notes="keyword options forwarded as **options"),
]
