"""A list-of-layers MLP as research code writes it, against a hand-written gradient and autograd (issue 17).

    PYTHONPATH=. python benchmarks/bench_mlp_layers.py [--quick]

The network is 784-200-100-10 with a batch of 256: ``for W, b in params:`` with ``np.dot`` and
``tanh``, a log-softmax by ``logsumexp``, the mean cross-entropy and an L2 prior over every
parameter. The gradient with respect to the whole list of (W, b) pairs is checked against the
hand-written one before timing. Contenders are timed round-robin (benchmarks/harness.py), medians
reported, with BLAS threads pinned to one; ratios are to the hand-written NumPy gradient.
Targets: srcdiff at most 1.2 times the hand-written gradient, and faster than autograd.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import srcdiff  # noqa: E402

SIZES = (784, 200, 100, 10)
BATCH = 256
PRIOR = 1e-4


def logsumexp(z):
    m = np.max(z, axis=1, keepdims=True)
    return m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))


def loss(params, X, Y):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(np.dot(h, W) + b)
    W, b = params[-1]
    z = np.dot(h, W) + b
    log_p = z - logsumexp(z)
    prior = 0.0
    for W, b in params:
        prior = prior + np.sum(W ** 2) + np.sum(b ** 2)
    return -np.mean(np.sum(Y * log_p, axis=1)) + PRIOR * prior


def loss_and_grad_by_hand(params, X, Y):
    """The same loss and its gradient, written out the way a careful NumPy user would."""
    hs = [X]
    for W, b in params[:-1]:
        hs.append(np.tanh(hs[-1] @ W + b))
    W, b = params[-1]
    z = hs[-1] @ W + b
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    s = e.sum(axis=1, keepdims=True)
    log_p = z - m - np.log(s)
    n = X.shape[0]
    prior = sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)
    value = -np.sum(Y * log_p) / n + PRIOR * prior
    dz = (e / s * Y.sum(axis=1, keepdims=True) - Y) / n
    grads = []
    for i in range(len(params) - 1, -1, -1):
        W, b = params[i]
        h = hs[i]
        grads.append((h.T @ dz + 2 * PRIOR * W, dz.sum(axis=0) + 2 * PRIOR * b))
        if i:
            dz = (dz @ W.T) * (1 - h ** 2)
    return value, grads[::-1]


def data(seed=0):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(m, n)) / np.sqrt(m), np.zeros(n)) for m, n in zip(SIZES[:-1], SIZES[1:])]
    X = rng.normal(size=(BATCH, SIZES[0]))
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], size=BATCH)]
    return params, X, Y


def contenders(params, X, Y):
    """{name: (function, args)}, each returning (value, gradient), checked against the hand-written one."""
    out = {"hand-written": (loss_and_grad_by_hand, (params, X, Y)),
           "srcdiff": (srcdiff.value_and_grad(loss), (params, X, Y))}
    try:
        import autograd
        import autograd.numpy as anp
        import autograd.scipy.special as asp

        def autograd_loss(params, X, Y):  # the same loss, written against autograd's numpy
            h = X
            for W, b in params[:-1]:
                h = anp.tanh(anp.dot(h, W) + b)
            W, b = params[-1]
            z = anp.dot(h, W) + b
            log_p = z - asp.logsumexp(z, axis=1, keepdims=True)
            prior = 0.0
            for W, b in params:
                prior = prior + anp.sum(W ** 2) + anp.sum(b ** 2)
            return -anp.mean(anp.sum(Y * log_p, axis=1)) + PRIOR * prior
        out["autograd"] = (autograd.value_and_grad(autograd_loss), (params, X, Y))
    except ImportError:
        pass
    want_value, want = loss_and_grad_by_hand(params, X, Y)
    for name, (fn, args) in out.items():
        value, got = fn(*args)
        assert np.isclose(value, want_value, rtol=1e-12), name
        for (gW, gb), (hW, hb) in zip(got, want):
            np.testing.assert_allclose(gW, hW, rtol=1e-9, atol=1e-12, err_msg=name)
            np.testing.assert_allclose(gb, hb, rtol=1e-9, atol=1e-12, err_msg=name)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    args = parser.parse_args(argv)
    params, X, Y = data()
    timed = harness.measure(contenders(params, X, Y), repeats=5 if args.quick else 25,
                            target=0.02 if args.quick else 0.2)
    hand = timed["hand-written"]["median"]
    rows = [(name, harness.fmt_time(t["median"]), harness.fmt_ratio(t["median"] / hand)) for name, t in timed.items()]
    print("MLP %s, batch %d, value and gradient; medians, BLAS threads %s" % (
        "-".join(map(str, SIZES)), BATCH, os.environ.get("OPENBLAS_NUM_THREADS")))
    print(harness.table(["contender", "time", "vs hand-written"], rows))
    return {name: t["median"] / hand for name, t in timed.items()}


if __name__ == "__main__":
    main()
