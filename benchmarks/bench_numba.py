"""backend="numba" against the NumPy backend and hand-written gradients, on loops (issue 19).

    PYTHONPATH=. python benchmarks/bench_numba.py [--quick]

Workloads: a 200-step scalar Euler loop (a damped oscillator's final state, gradient with respect
to its two parameters), an RNN (30 steps, 16 units, ``h = tanh(W @ h + U @ x_t)``, gradient
with respect to W and U), a small MLP (one tanh layer, 32x16x4, straight-line), Rosenbrock's function
in 100 dimensions (straight-line) and a 1000-step damped pendulum (a loop of scalar physics,
gradient with respect to its stiffness and damping). Contenders: srcdiff with the NumPy backend,
srcdiff with the Numba backend, a hand-written NumPy gradient, for the scalar loops the same
hand-written gradient under ``numba.njit``, and ``jax.jit(jax.grad(...))`` when JAX is installed.
Every result is checked against the hand-written gradient before timing. Times
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


def mlp(W1, b1, W2, X, Y):
    h = np.tanh(X @ W1 + b1)
    return np.sum((h @ W2 - Y) ** 2)


def mlp_hand(W1, b1, W2, X, Y):
    h = np.tanh(X @ W1 + b1)
    d_out = 2.0 * (h @ W2 - Y)
    d_a = (d_out @ W2.T) * (1.0 - h * h)
    return X.T @ d_a, d_a.sum(axis=0)


def rosenbrock(x, a):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2)


def rosenbrock_hand(x, a):
    r = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[1:] += 200.0 * r
    g[:-1] += -400.0 * r * x[:-1] - 2.0 * (a - x[:-1])
    return g, np.sum(2.0 * (a - x[:-1]))


def pendulum(w2, c, th0, om0, n):
    th = th0
    om = om0
    dt = 0.01
    for i in range(n):
        om = om + dt * (-w2 * np.sin(th) - c * om)
        th = th + dt * om
    return th * th + om * om


def pendulum_hand(w2, c, th0, om0, n):
    """d(pendulum)/d(w2, c) by hand: the states on float64 tapes, then the reverse loop."""
    dt = 0.01
    ths = np.empty(n)
    oms = np.empty(n)
    th, om = th0, om0
    for i in range(n):
        ths[i] = th
        oms[i] = om
        om = om + dt * (-w2 * np.sin(th) - c * om)
        th = th + dt * om
    d_th, d_om, d_w2, d_c = 2.0 * th, 2.0 * om, 0.0, 0.0
    for i in range(n - 1, -1, -1):
        th, om = ths[i], oms[i]
        d_om = d_om + dt * d_th  # th_new = th + dt * om_new
        d_w2 -= d_om * dt * np.sin(th)  # om_new = om + dt * (-w2 sin th - c om)
        d_c -= d_om * dt * om
        d_th = d_th - d_om * dt * w2 * np.cos(th)
        d_om = d_om * (1.0 - dt * c)
    return d_w2, d_c


def jax_version(fun):
    """``jax.jit(jax.grad(fun))`` with jax.numpy, or None without JAX. The loops are written with
    ``jax.lax.fori_loop`` (a Python loop would be unrolled: 1000 traced steps take minutes to compile);
    straight-line functions are the same source with ``np`` bound to jax.numpy."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    loops = _jax_loops(jax.lax, jnp)
    if fun.__name__ in loops:
        return jax.jit(jax.grad(loops[fun.__name__], argnums=(0, 1)), static_argnums=(4,))
    namespace = dict(fun.__globals__, np=jnp)
    jfun = type(fun)(fun.__code__, namespace, fun.__name__)
    return jax.jit(jax.grad(jfun, argnums=(0, 1)))


def _jax_loops(lax, jnp):
    """The loop workloads in JAX's idiom (the trip count static, so that reverse mode goes through the loop)."""
    def euler(k, c, x0, v0, n):
        def step(i, state):
            x, v = state
            v = v + 0.01 * (-k * x - c * v)
            return x + 0.01 * v, v
        x, v = lax.fori_loop(0, n, step, (x0, v0))
        return x * x + v

    def rnn(W, U, xs, h0, n):
        h = lax.fori_loop(0, n, lambda t, h: jnp.tanh(W @ h + U @ xs[t]), h0)
        return jnp.sum(h * h)

    def pendulum(w2, c, th0, om0, n):
        def step(i, state):
            th, om = state
            om = om + 0.01 * (-w2 * jnp.sin(th) - c * om)
            return th + 0.01 * om, om
        th, om = lax.fori_loop(0, n, step, (th0, om0))
        return th * th + om * om
    return {"euler": euler, "rnn": rnn, "pendulum": pendulum}


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
    mlp_args = (rng.normal(size=(16, 32)) * 0.3, rng.normal(size=32) * 0.1, rng.normal(size=(32, 4)) * 0.3,
                rng.normal(size=(64, 16)), rng.normal(size=(64, 4)))
    workloads = [("euler 200 steps", euler, euler_hand, euler_args, True),
                 ("rnn 30x16", rnn, rnn_hand, rnn_args, False),
                 ("mlp 16-32-4, 64 rows", mlp, mlp_hand, mlp_args, False),
                 ("rosenbrock 100", rosenbrock, rosenbrock_hand, (rng.uniform(-1, 1, 100), 1.0), False),
                 ("pendulum 1000 steps", pendulum, pendulum_hand, (4.0, 0.3, 1.0, 0.0, 1000), True)]
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
        jitted = jax_version(fun)
        if jitted is not None:
            contenders["jax.jit"] = (jitted, args)
        expected = hand(*args)
        for label, (fn, a) in contenders.items():
            for got, want in zip(fn(*a), expected):
                if not np.allclose(got, want, rtol=1e-10, atol=1e-12):
                    sys.exit("%s: %s disagrees with the hand-written gradient" % (name, label))
        times = harness.measure(contenders, repeats, target)
        base = times["hand numpy"]["median"]
        cells = [name]
        for label in ("srcdiff numpy", "srcdiff numba", "hand numba", "jax.jit"):
            t = times.get(label, {}).get("median")
            cells.append("-" if t is None else "%s (%s)" % (harness.fmt_time(t), harness.fmt_ratio(t / base)))
        rows.append([name, harness.fmt_time(base)] + cells[1:])
        cold_numpy = compile_time(lambda: srcdiff.grad(fun, wrt=wrt), args)
        cold_numba = compile_time(lambda: srcdiff.grad(fun, wrt=wrt, backend="numba"), args)
        cold_jax = "-"
        if jitted is not None:
            t0 = time.perf_counter()
            jax_version(fun)(*args)
            cold_jax = harness.fmt_time(time.perf_counter() - t0)
        compile_rows.append([name, harness.fmt_time(cold_numpy), harness.fmt_time(cold_numba), cold_jax])
    print(harness.table(["workload", "hand numpy", "srcdiff numpy", "srcdiff numba", "hand numba", "jax.jit"], rows))
    print("\nmedians; ratios to the hand-written NumPy gradient\n")
    print(harness.table(["first call (transform + compile)", "numpy backend", "numba backend", "jax.jit"],
                        compile_rows))


if __name__ == "__main__":
    main()
