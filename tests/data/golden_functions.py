"""User functions whose generated gradient source is pinned by test_golden.py."""
import math

import numpy as np


def design_loss(W, b, x, y):
    h = np.tanh(x @ W + b)
    return np.sum((h - y) ** 2)


def logistic(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def scalar_math(a, b):
    r = math.sqrt(a * a + b * b)
    return math.exp(-r) * math.sin(a) + math.log(1.0 + b * b)


def softmax_xent(W, X, labels):
    z = X @ W
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


def euler(k, x0, v0):
    x, v = x0, v0
    dt = 0.01
    for _ in range(100):
        a = -k * x
        v = v + dt * a
        x = x + dt * v
    return x


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def piecewise(x, w):
    if x > 0.0:
        y = w * x * x
    else:
        y = w * math.sin(x)
    return y + x


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-10:
        x = 0.5 * (x + a / x)
    return x


def first_large(xs, threshold):
    total = 0.0
    for x in xs:
        if x > threshold:
            return total * x
        total = total + x * x
    return total
