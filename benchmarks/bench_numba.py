"""backend="numba" against the NumPy backend and hand-written gradients, on loops (issue 19).

    PYTHONPATH=. python benchmarks/bench_numba.py [--quick]

Workloads: a 200-step scalar Euler loop (a damped oscillator's final state, gradient with respect
to its two parameters) and an RNN (30 steps, 16 units, ``h = tanh(W @ h + U @ x_t)``, gradient
with respect to W and U). Contenders: srcdiff with the NumPy backend, srcdiff with the Numba
backend, a hand-written NumPy gradient and, for Euler, the same hand-written gradient under
``numba.njit``. Every result is checked against the hand-written gradient before timing. Times
are medians of round-robin samples (benchmarks/harness.py); ratios are to the hand-written NumPy
gradient. Compile times (first call of a fresh transformation: srcdiff's pipeline and Numba's
compilation) are measured separately, once each. BLAS threads are pinned to one.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import srcdiff  # noqa: E402
import srcdiff.backend.cache  # noqa: E402

try:
    import numba
except ImportError:
    numba = None


def euler(k, c, x0, v0, n):
    x = x0
    v = v0
    dt = 0.01
    for i in range(n):
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
    return x * x + v


def euler_hand(k, c, x0, v0, n):
    """d(euler)/d(k, c), written by hand: the states on a float64 tape, then the reverse loop."""
    dt = 0.01
    xs = np.empty(n)
    vs = np.empty(n)
    x, v = x0, v0
    for i in range(n):
        xs[i] = x
        vs[i] = v
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
    d_x, d_v, d_k, d_c = 2.0 * x, 1.0, 0.0, 0.0
    for i in range(n - 1, -1, -1):
        x, v = xs[i], vs[i]
        d_v = d_v + dt * d_x  # x_new = x + dt * v_new
        d_a = dt * d_v  # v_new = v + dt * a
        d_k -= d_a * x
        d_c -= d_a * v
        d_x = d_x - d_a * k
        d_v = d_v - d_a * c
    return d_k, d_c


def rnn(W, U, xs, h0, n):
    h = h0
    for t in range(n):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h * h)


def rnn_hand(W, U, xs, h0, n):
    hs = [h0]
    h = h0
    for t in range(n):
        h = np.tanh(W @ h + U @ xs[t])
        hs.append(h)
    d_W, d_U = np.zeros_like(W), np.zeros_like(U)
    d_h = 2.0 * h
    for t in range(n - 1, -1, -1):
        d_z = d_h * (1.0 - hs[t + 1] ** 2)
        d_W += np.outer(d_z, hs[t])
        d_U += np.outer(d_z, xs[t])
        d_h = W.T @ d_z
    return d_W, d_U


def compile_time(make, args):
    """Seconds of the first call of a fresh transformation (srcdiff's pipeline and any compilation)."""
    srcdiff.backend.cache.clear()
    fn = make()
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    opts = parser.parse_args()
    if numba is None:
        sys.exit('bench_numba needs Numba: pip install "srcdiff[numba]"')
    repeats, target = (5, 0.02) if opts.quick else (15, 0.05)
    rng = np.random.default_rng(0)
    units, inputs, steps = 16, 8, 30
    rnn_args = (rng.normal(size=(units, units)) * 0.3, rng.normal(size=(units, inputs)) * 0.3,
                rng.normal(size=(steps, inputs)), np.zeros(units), steps)
    euler_args = (1.0, 0.1, 1.0, 0.0, 200)
    workloads = [("euler 200 steps", euler, euler_hand, euler_args, True),
                 ("rnn 30x16", rnn, rnn_hand, rnn_args, False)]
    env = harness.environment()
    harness.print_environment(env, ["srcdiff %s" % getattr(srcdiff, "__version__", "?"),
                                    "numba %s" % numba.__version__])
    print()
    rows, compile_rows = [], []
    for name, fun, hand, args, jit_hand in workloads:
        wrt = (0, 1)
        contenders = {
            "hand numpy": (hand, args),
            "srcdiff numpy": (srcdiff.grad(fun, wrt=wrt), args),
            "srcdiff numba": (srcdiff.grad(fun, wrt=wrt, backend="numba"), args),
        }
        if jit_hand:
            contenders["hand numba"] = (numba.njit(hand), args)
        expected = hand(*args)
        for label, (fn, a) in contenders.items():
            for got, want in zip(fn(*a), expected):
                if not np.allclose(got, want, rtol=1e-10, atol=1e-12):
                    sys.exit("%s: %s disagrees with the hand-written gradient" % (name, label))
        times = harness.measure(contenders, repeats, target)
        base = times["hand numpy"]["median"]
        cells = [name]
        for label in ("srcdiff numpy", "srcdiff numba", "hand numba"):
            t = times.get(label, {}).get("median")
            cells.append("-" if t is None else "%s (%s)" % (harness.fmt_time(t), harness.fmt_ratio(t / base)))
        rows.append([name, harness.fmt_time(base)] + cells[1:])
        cold_numpy = compile_time(lambda: srcdiff.grad(fun, wrt=wrt), args)
        cold_numba = compile_time(lambda: srcdiff.grad(fun, wrt=wrt, backend="numba"), args)
        compile_rows.append([name, harness.fmt_time(cold_numpy), harness.fmt_time(cold_numba)])
    print(harness.table(["workload", "hand numpy", "srcdiff numpy", "srcdiff numba", "hand numba"], rows))
    print("\nmedians; ratios to the hand-written NumPy gradient\n")
    print(harness.table(["first call (transform + compile)", "numpy backend", "numba backend"], compile_rows))


if __name__ == "__main__":
    main()
