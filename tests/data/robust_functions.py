"""Functions used by test_robustness.py (they must live in a file: srcdiff reads their source)."""
import numpy as np

SCALE = 2.0


def helper(x):
    return x ** 2


def uses_helper(x):
    return np.sum(helper(x))


def uses_global(x):
    return np.sum(SCALE * x ** 2)


def mlp(W1, b1, W2, x):
    h = np.tanh(x @ W1 + b1)
    return np.mean((h @ W2) ** 2)


def looped(x, a):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0:
            s = s + a * x[i] ** 2
        else:
            s = s - x[i]
    return s


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def inner_square(x):
    return x ** 2


def through_inner(x):
    return inner_square(x) * 1.0


def uses_helper_of_helper(x):
    return np.sum(through_inner(x))
