"""Models whose functions check their arguments with raise/assert and f-string messages."""
import numpy as np

from tests.programs.harness import Case


def check_inputs(X, y):
    if X.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got shape {X.shape}")
    if y is not None and len(y) != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)} entries")


def softmax_regression_loss(W, b, X, y, reg=1e-2):
    check_inputs(X, y)
    n_samples, n_features = X.shape
    if W.shape[0] != n_features:
        raise ValueError(f"W has {W.shape[0]} rows, expected {n_features}")
    assert np.all(y >= 0), "labels must be non-negative"
    logits = X @ W + b
    logits -= logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    nll = -log_p[np.arange(n_samples), y].mean()
    return nll + reg * (W ** 2).sum()


def poisson_glm_nll(beta, X, counts, offset=None):
    assert X.shape[1] == beta.shape[0], f"shape mismatch: {X.shape} vs {beta.shape}"
    if offset is None:
        offset = np.zeros(X.shape[0])
    eta = X @ beta + offset
    if not np.all(np.isfinite(eta)):
        raise FloatingPointError("linear predictor overflowed")
    return np.sum(np.exp(eta) - counts * eta)


def _softmax_args():
    rng = np.random.default_rng(20)
    X = rng.standard_normal((6, 3))
    return 0.3 * rng.standard_normal((3, 4)), np.zeros(4), X, rng.integers(0, 4, size=6)


def _poisson_args():
    rng = np.random.default_rng(21)
    X = rng.standard_normal((8, 3))
    return 0.2 * rng.standard_normal(3), X, rng.poisson(1.0, size=8).astype(float)


CASES = [
    Case("softmax_regression_raise_fstring", softmax_regression_loss, _softmax_args, wrt=(0, 1),
         notes="a checking helper that raises ValueError(f'...'); raise and assert in the function"),
    Case("poisson_glm_assert", poisson_glm_nll, _poisson_args, wrt=0,
         notes="assert with an f-string message; `if offset is None` default; raise on non-finite"),
]
