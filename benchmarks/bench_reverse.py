"""Reverse mode: srcdiff vs a careful hand-written NumPy gradient vs autograd.

    cd /work/main && PYTHONPATH=/work/main python benchmarks/bench_reverse.py [--quick] [--json PATH]

Every contender computes the value *and* the gradient with respect to all parameters (srcdiff and
autograd through ``value_and_grad``). Results are checked against the hand-written gradient with
``np.allclose`` before anything is timed. autograd is optional: without it its column shows "-".
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import types

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import srcdiff  # noqa: E402
import srcdiff.backend.cache  # noqa: E402
import srcdiff.pipeline  # noqa: E402

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # optional benchmark extra
    autograd = anp = None


def _version(module, dist):
    if module is None:
        return None
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return getattr(module, "__version__", "?")


# ---------------------------------------------------------------------------------------------
# Functions differentiated by srcdiff (and, re-bound to autograd.numpy, by autograd).
# They must be module-level defs: srcdiff reads their source.

def mlp_mse(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - Y) ** 2)


def mlp_xent(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(Y * logp, axis=1))


def logreg(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


# ---------------------------------------------------------------------------------------------
# Careful hand-written value-and-gradient functions: what a NumPy user would write by hand
# (algebraic simplifications, in-place updates where they are obviously safe, no redundant work).

def mlp_mse_hand(W1, b1, W2, b2, X, Y):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    r = h @ W2
    r += b2
    r -= Y                            # residual out - Y
    n = r.size
    loss = np.vdot(r, r) / n
    r *= 2.0 / n                      # d loss / d out
    dW2 = h.T @ r
    db2 = r.sum(axis=0)
    dh = r @ W2.T
    h *= h
    np.subtract(1.0, h, out=h)        # tanh' = 1 - h**2
    dh *= h
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    return loss, (dW1, db1, dW2, db2)


def mlp_xent_hand(W1, b1, W2, b2, X, Y):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    z = h @ W2
    z += b2
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    ysum = Y.sum(axis=1, keepdims=True)   # 1 for one-hot labels; kept general
    n = z.shape[0]
    # loss = -mean_i sum_j Y_ij (z_ij - log s_i)
    loss = (np.vdot(ysum, np.log(s)) - np.vdot(Y, z)) / n
    # d loss / d z = (softmax * ysum - Y) / n   (the max shift has zero gradient)
    e /= s
    e *= ysum
    e -= Y
    e *= 1.0 / n
    dz = e
    dW2 = h.T @ dz
    db2 = dz.sum(axis=0)
    dh = dz @ W2.T
    h *= h
    np.subtract(1.0, h, out=h)
    dh *= h
    dW1 = X.T @ dh
    db1 = dh.sum(axis=0)
    return loss, (dW1, db1, dW2, db2)


def logreg_hand(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    r = p - y                         # d loss / d (X @ w), times n
    r *= 1.0 / r.size
    return loss, r @ X


def rosenbrock_hand(x):
    xm = x[:-1]
    a = x[1:] - xm * xm
    b = 1.0 - xm
    loss = 100.0 * np.dot(a, a) + np.dot(b, b)
    g = np.empty_like(x)
    a *= 200.0
    g[:-1] = -2.0 * (xm * a + b)
    g[-1] = 0.0
    g[1:] += a
    return loss, g


# ---------------------------------------------------------------------------------------------
# Workloads

def _mlp_data(rng, batch, n_in, n_hidden, n_out, one_hot):
    W1 = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hidden)
    W2 = rng.standard_normal((n_hidden, n_out)) / np.sqrt(n_hidden)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.standard_normal((batch, n_in))
    if one_hot:
        Y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    else:
        Y = rng.standard_normal((batch, n_out))
    return (W1, b1, W2, b2, X, Y)


def workloads(rng):
    """(label, shapes, function, hand-written, args, wrt) for every benchmark case."""
    wrt4 = (0, 1, 2, 3)
    X = rng.standard_normal((1000, 20))
    w = 0.3 * rng.standard_normal(20)
    y = (rng.random(1000) < 0.5).astype(float)
    return [
        ("mlp mse small", "32x10->32->3", mlp_mse, mlp_mse_hand, _mlp_data(rng, 32, 10, 32, 3, False), wrt4),
        ("mlp mse large", "512x784->256->10", mlp_mse, mlp_mse_hand, _mlp_data(rng, 512, 784, 256, 10, False),
         wrt4),
        ("mlp xent small", "32x10->32->3", mlp_xent, mlp_xent_hand, _mlp_data(rng, 32, 10, 32, 3, True), wrt4),
        ("mlp xent large", "512x784->256->10", mlp_xent, mlp_xent_hand,
         _mlp_data(rng, 512, 784, 256, 10, True), wrt4),
        ("logreg", "X 1000x20", logreg, logreg_hand, (w, X, y), 0),
        ("rosenbrock 1000", "x 1000", rosenbrock, rosenbrock_hand, (rng.uniform(-2, 2, 1000),), 0),
        ("rosenbrock 10", "x 10", rosenbrock, rosenbrock_hand, (rng.uniform(-2, 2, 10),), 0),
    ]


def autograd_version(fun):
    """``fun`` with the same code but ``np`` bound to ``autograd.numpy``."""
    env = dict(fun.__globals__, np=anp)
    return types.FunctionType(fun.__code__, env, fun.__name__, fun.__defaults__, fun.__closure__)


def _as_tuple(grads, wrt):
    return tuple(grads) if isinstance(wrt, tuple) else (grads,)


def check(label, name, value, grads, ref_value, ref_grads):
    """Fail loudly when a contender disagrees with the hand-written value or gradient."""
    problems = []
    if not np.allclose(value, ref_value, rtol=1e-7, atol=1e-10):
        problems.append("value %r != hand-written %r" % (value, ref_value))
    if len(grads) != len(ref_grads):
        problems.append("%d gradients, hand-written has %d" % (len(grads), len(ref_grads)))
    for i, (g, r) in enumerate(zip(grads, ref_grads)):
        if np.shape(g) != np.shape(r):
            problems.append("gradient %d has shape %s, hand-written %s" % (i, np.shape(g), np.shape(r)))
        elif not np.allclose(g, r, rtol=1e-6, atol=1e-10):
            problems.append("gradient %d differs from hand-written: max abs diff %.3g (max |hand| %.3g)"
                            % (i, np.max(np.abs(np.asarray(g) - r)), np.max(np.abs(r))))
    if problems:
        raise SystemExit("MISMATCH in %s for %s:\n  %s" % (label, name, "\n  ".join(problems)))


def param_names(fun, wrt):
    names = fun.__code__.co_varnames[:fun.__code__.co_argcount]
    return [names[i] for i in (wrt if isinstance(wrt, tuple) else (wrt,))]


def raw_function(transformed, args):
    """The generated joint function behind a (called) srcdiff transformation.

    Older srcdiff kept ``_functions`` as a dict; newer versions specialize per argument types and
    expose ``_functions(args, kwargs)``, now ``functions_for(args, kwargs)``. Either way the result
    returns ``(value, gradients)``.
    """
    functions = getattr(transformed, "functions_for", None) or transformed._functions
    if callable(functions):
        functions = functions(args, {})
    return functions["joint"]


def run_workload(label, shapes, fun, hand, args, wrt, opts, use_autograd):
    result = {"workload": label, "shapes": shapes, "function": fun.__name__}

    # Transformation time: the whole pipeline (parse .. compile), cache cleared before each run.
    names = param_names(fun, wrt)
    result["transform_s"] = harness.median_time(lambda: srcdiff.pipeline.reverse(fun, names),
                                                opts.transform_repeats, setup=srcdiff.backend.cache.clear)

    # First call of a fresh transformation (transform + build + call) vs a cached call.
    fresh = {}

    def first_call():
        fresh["g"] = srcdiff.value_and_grad(fun, wrt=wrt)
        fresh["g"](*args)
    result["first_call_s"] = harness.median_time(first_call, opts.transform_repeats, setup=srcdiff.backend.cache.clear)

    sd = srcdiff.value_and_grad(fun, wrt=wrt)
    try:
        value, grads = sd(*args)
    except Exception as exc:  # report, do not hide: this is what the benchmark is for
        raise SystemExit("srcdiff FAILED on %s: %s: %s" % (label, type(exc).__name__, exc))
    raw = raw_function(sd, args)
    ref_value, ref_grads = hand(*args)
    ref_grads = _as_tuple(ref_grads, wrt)
    check(label, "srcdiff", value, _as_tuple(grads, wrt), ref_value, ref_grads)
    raw_value, raw_grads = raw(*args)
    check(label, "srcdiff (raw generated function)", raw_value, _as_tuple(raw_grads, wrt), ref_value, ref_grads)

    contenders = {"forward": (fun, args), "hand": (hand, args), "srcdiff": (sd, args), "srcdiff_raw": (raw, args)}
    if use_autograd:
        ag = autograd.value_and_grad(autograd_version(fun), wrt)
        ag_value, ag_grads = ag(*args)
        check(label, "autograd", ag_value, _as_tuple(ag_grads, wrt), ref_value, ref_grads)
        contenders["autograd"] = (ag, args)

    timings = harness.measure(contenders, opts.repeats, opts.target)
    med = {name: t["median"] for name, t in timings.items()}
    result["median_s"] = med
    result["calls_per_sample"] = {name: t["number"] for name, t in timings.items()}
    if opts.samples:
        result["samples_s"] = {name: t["samples"] for name, t in timings.items()}
    result["srcdiff_over_hand"] = med["srcdiff"] / med["hand"]
    result["autograd_over_srcdiff"] = med["autograd"] / med["srcdiff"] if "autograd" in med else None
    # Overhead from paired samples (same round, adjacent in time): less noisy than a difference of medians.
    result["call_overhead_s"] = statistics.median(
        a - b for a, b in zip(timings["srcdiff"]["samples"], timings["srcdiff_raw"]["samples"]))
    result["first_call_minus_cached_s"] = result["first_call_s"] - med["srcdiff"]
    # Same ratios computed per round (paired samples), a cross-check robust to drifting load.
    sd_s, hand_s = timings["srcdiff"]["samples"], timings["hand"]["samples"]
    result["srcdiff_over_hand_paired"] = statistics.median(a / b for a, b in zip(sd_s, hand_s))
    if "autograd" in timings:
        result["autograd_over_srcdiff_paired"] = statistics.median(
            a / b for a, b in zip(timings["autograd"]["samples"], sd_s))
    return result


def report(results, env, opts, use_autograd, elapsed):
    f = harness.fmt_time
    r = harness.fmt_ratio
    rows = [(x["workload"], x["shapes"], f(x["median_s"]["forward"]), f(x["median_s"]["hand"]),
             f(x["median_s"]["srcdiff"]), f(x["median_s"].get("autograd")), r(x["srcdiff_over_hand"]),
             r(x["autograd_over_srcdiff"])) for x in results]
    print(harness.table(["workload", "shapes", "f only", "hand", "srcdiff", "autograd", "srcdiff/hand",
                         "autograd/srcdiff"], rows, "llrrrrrr"))
    print()
    rows = [(x["workload"], f(x["transform_s"]), f(x["first_call_minus_cached_s"]), f(x["median_s"]["srcdiff"]),
             f(x["median_s"]["srcdiff_raw"]), f(x["call_overhead_s"]),
             "%.1f%%" % (100.0 * x["call_overhead_s"] / x["median_s"]["srcdiff_raw"])) for x in results]
    print(harness.table(["workload", "transform", "1st call-cached", "cached call", "raw generated",
                         "call overhead", "overhead %"], rows, "lrrrrrr"))
    print()
    within = sum(x["srcdiff_over_hand"] <= 1.5 for x in results)
    fast = sum(1 for x in results if x["autograd_over_srcdiff"] is not None and x["autograd_over_srcdiff"] > 1.0)
    quick = sum(x["transform_s"] < 0.050 for x in results)
    n = len(results)
    print("targets: srcdiff/hand <= 1.5x on %d/%d; faster than autograd on %s; transform < 50 ms on %d/%d"
          % (within, n, ("%d/%d" % (fast, n)) if use_autograd else "- (autograd not installed)", quick, n))
    print("%d rounds per workload, samples >= %.1f ms, total %.1f s%s"
          % (opts.repeats, opts.target * 1e3, elapsed, " (--quick: smoke run, numbers are rough)" if opts.quick
             else ""))


LEGEND = """\
legend: times are medians of per-call time for value AND gradient w.r.t. all parameters; contenders
  are timed round-robin, ratios come from the medians of the same run.
  f only           the undifferentiated function itself (value only), for scale
  hand             careful hand-written NumPy value+gradient (algebraic simplifications, in-place ops)
  srcdiff          srcdiff.value_and_grad(f, wrt=all params) called as users call it (cached code)
  autograd         autograd.value_and_grad on the same code with np -> autograd.numpy
  transform        srcdiff.pipeline.reverse(f, params): parse .. compile, median, cache cleared
  1st call-cached  first call of a fresh value_and_grad (cache cleared) minus a cached call
  raw generated    the generated function called directly (the "joint" entry of g.functions_for, no arg checks)
  call overhead    cached call - raw generated, median of per-round differences (specialization
                   lookup, argument checks, scalar check, fit() of gradients); noise-dominated for ms calls
  targets (not asserted): srcdiff/hand <= 1.5x, autograd/srcdiff > 1x, transform < 50 ms"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fast smoke run: few repeats, short samples")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--repeats", type=int, help="rounds per workload (default 61, --quick 3)")
    parser.add_argument("--target-ms", type=float, help="minimum duration of one sample (default 2, --quick 0.2)")
    parser.add_argument("--only", metavar="TEXT",
                        help="run only the workload named TEXT (else those whose name contains it)")
    parser.add_argument("--no-autograd", action="store_true", help="skip autograd even when it is installed")
    parser.add_argument("--samples", action="store_true", help="include every sample in the JSON output")
    harness.add_allocator_option(parser)
    opts = parser.parse_args(argv)
    opts.repeats = opts.repeats or (3 if opts.quick else 61)
    opts.target = (opts.target_ms or (0.2 if opts.quick else 2.0)) * 1e-3
    opts.transform_repeats = 2 if opts.quick else 7
    use_autograd = autograd is not None and not opts.no_autograd

    env = harness.print_header(srcdiff.__version__, _version(autograd, "autograd"), opts.no_autograd, LEGEND,
                                 harness.steady_allocator(opts.system_malloc))

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    cases = harness.select(workloads(rng), opts.only, parser)
    results = [run_workload(*case, opts, use_autograd) for case in cases]
    elapsed = time.perf_counter() - start
    report(results, env, opts, use_autograd, elapsed)

    if opts.json:
        env["srcdiff"] = srcdiff.__version__
        env["autograd"] = _version(autograd, "autograd") if use_autograd else None
        payload = {"benchmark": "reverse", "environment": env,
                   "settings": {"quick": opts.quick, "repeats": opts.repeats, "target_s": opts.target,
                                "transform_repeats": opts.transform_repeats},
                   "elapsed_s": elapsed, "results": results}
        with open(opts.json, "w") as fh:
            json.dump(payload, fh, indent=2)
        print("wrote %s" % opts.json)
    return results


if __name__ == "__main__":
    main()
