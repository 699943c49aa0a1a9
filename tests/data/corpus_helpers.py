"""Helpers that tests/data/corpus.py imports from another module, the way user code splits a project."""
import numpy as np


def huber(r, delta=1.0):
    """Elementwise Huber loss."""
    small = np.abs(r) <= delta
    return np.where(small, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))


def softplus(z):
    """log(1 + exp(z)), computed without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def l2_penalty(weights, lam=1e-2):
    total = 0.0
    for w in weights:
        total = total + np.sum(w * w)
    return lam * total
