"""Forward mode and second order: jvp and Hessian-vector products vs the function, Jacobian crossover.

    cd /work/main && PYTHONPATH=/work/main python benchmarks/bench_forward.py [--quick] [--json PATH]

On the array workloads of bench_reverse.py: the cost of a Jacobian-vector product (the generated
tangent function of ``srcdiff.forward(f, wrt=all params)``, one tangent per differentiated argument,
and the same through ``srcdiff.jvp``) and of ``srcdiff.hvp(f)`` (w.r.t. the first argument) relative
to calling ``f`` itself, with hand-written JVPs, a hand-written HVP where one is easy (logistic
regression, Rosenbrock) and autograd's ``hessian_vector_product`` for reference. Then
``jacobian(mode="forward")`` vs ``jacobian(mode="reverse")`` on a function with 3 inputs and N
outputs and one with N inputs and 3 outputs.

Before timing: jvp is checked against vjp (dot-product test), hvp against central differences of
``srcdiff.grad``, the hand-written JVPs and HVPs and autograd's HVP against srcdiff's, and both
Jacobian modes against the analytic Jacobian. autograd is optional.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from bench_reverse import autograd_version, workloads, _version  # noqa: E402  (the same workloads)

import srcdiff  # noqa: E402

try:
    import autograd
except ImportError:  # optional benchmark extra
    autograd = None


# ---------------------------------------------------------------------------------------------
# Hand-written Jacobian-vector products (value and directional derivative along all tangents), for
# reference: what forward mode costs when written by hand.

def mlp_mse_jvp_hand(W1, b1, W2, b2, X, Y, t_W1, t_b1, t_W2, t_b2):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    r = h @ W2
    r += b2
    r -= Y
    th = X @ t_W1
    th += t_b1
    d = h * h
    np.subtract(1.0, d, out=d)
    th *= d                           # tangent of h
    to = th @ W2
    to += h @ t_W2
    to += t_b2                        # tangent of the output
    n = r.size
    return np.vdot(r, r) / n, 2.0 * np.vdot(r, to) / n


def mlp_xent_jvp_hand(W1, b1, W2, b2, X, Y, t_W1, t_b1, t_W2, t_b2):
    h = X @ W1
    h += b1
    np.tanh(h, out=h)
    z = h @ W2
    z += b2
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    ysum = Y.sum(axis=1, keepdims=True)
    n = z.shape[0]
    loss = (np.vdot(ysum, np.log(s)) - np.vdot(Y, z)) / n
    th = X @ t_W1
    th += t_b1
    d = h * h
    np.subtract(1.0, d, out=d)
    th *= d
    tz = th @ W2
    tz += h @ t_W2
    tz += t_b2
    e /= s                            # softmax; d loss / d z = (softmax * ysum - Y) / n
    e *= ysum
    e -= Y
    return loss, np.vdot(e, tz) / n


def logreg_jvp_hand(w, X, y, t_w):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return loss, np.dot(p - y, X @ t_w) / p.size


def rosenbrock_jvp_hand(x, t_x):
    xm = x[:-1]
    tm = t_x[:-1]
    a = x[1:] - xm * xm
    b = 1.0 - xm
    return 100.0 * np.dot(a, a) + np.dot(b, b), 200.0 * np.dot(a, t_x[1:] - 2.0 * xm * tm) - 2.0 * np.dot(b, tm)


HAND_JVP = {"mlp_mse": mlp_mse_jvp_hand, "mlp_xent": mlp_xent_jvp_hand, "logreg": logreg_jvp_hand,
            "rosenbrock": rosenbrock_jvp_hand}


# ---------------------------------------------------------------------------------------------
# Hand-written Hessian-vector products (w.r.t. the first argument), where they are easy.

def logreg_hvp_hand(w, X, y, v):
    # grad = X.T (p - y) / n  =>  H = X.T diag(p (1 - p)) X / n
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    s = X @ v
    s *= p
    s *= 1.0 - p
    s *= 1.0 / p.size
    return s @ X


def rosenbrock_hvp_hand(x, v):
    # tridiagonal Hessian (as scipy.optimize.rosen_hess_prod)
    xm = x[:-1]
    off = -400.0 * xm
    hv = np.empty_like(x)
    hv[:-1] = (1200.0 * xm * xm - 400.0 * x[1:] + 2.0) * v[:-1] + off * v[1:]
    hv[-1] = 0.0
    hv[1:] += 200.0 * v[1:] + off * v[:-1]
    return hv


HAND_HVP = {"logreg": logreg_hvp_hand, "rosenbrock": rosenbrock_hvp_hand}


# ---------------------------------------------------------------------------------------------
# Jacobian shapes: few inputs / many outputs, and many inputs / few outputs.

def curves(x, t):
    """R^3 -> R^N: a damped oscillation exp(-a t) sin(w t + phi) sampled at N times."""
    return np.exp(-x[0] * t) * np.sin(x[1] * t + x[2])


def curves_jacobian(x, t):
    e = np.exp(-x[0] * t)
    s = np.sin(x[1] * t + x[2])
    c = np.cos(x[1] * t + x[2])
    return np.stack([-t * e * s, t * e * c, e * c], axis=1)


def mixing(x, A):
    """R^N -> R^3: three weighted sums of tanh(x)."""
    return A @ np.tanh(x)


def mixing_jacobian(x, A):
    return A * (1.0 - np.tanh(x) ** 2)


def jacobian_cases(rng, n):
    t = np.linspace(0.0, 10.0, n)
    A = rng.standard_normal((3, n)) / np.sqrt(n)
    return [("R^3 -> R^%d" % n, curves, curves_jacobian, (np.array([0.3, 2.0, 0.5]), t), "forward"),
            ("R^%d -> R^3" % n, mixing, mixing_jacobian, (rng.standard_normal(n), A), "reverse")]


# ---------------------------------------------------------------------------------------------
# Checks (fail loudly)

def _fail(label, what, detail):
    raise SystemExit("MISMATCH in %s: %s\n  %s" % (label, what, detail))


def _close(a, b, rtol, atol_rel):
    """allclose with an absolute tolerance relative to the largest entry of ``b``."""
    scale = float(np.max(np.abs(b))) if np.size(b) else 0.0
    return np.allclose(a, b, rtol=rtol, atol=atol_rel * scale + 1e-300)


def _wrt_tuple(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def check_jvp(label, fun, args, wrt, tangents, tf_out, jvp_out):
    """Value, agreement of forward() and jvp, and the dot-product test <ct, J t> = <J^T ct, t>."""
    value = fun(*args)
    for name, (v, jv) in (("forward()", tf_out), ("jvp", jvp_out)):
        if not np.allclose(v, value, rtol=1e-12, atol=0):
            _fail(label, "%s value %r != f(*args) %r" % (name, v, value), "")
    if not np.allclose(tf_out[1], jvp_out[1], rtol=1e-12, atol=0):
        _fail(label, "forward() tangent %r != jvp tangent %r" % (tf_out[1], jvp_out[1]), "")
    _, pullback = srcdiff.vjp(fun, wrt=wrt)(*args)
    ct = 0.7  # all these functions return a scalar
    grads = pullback(ct)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    lhs = ct * float(jvp_out[1])
    rhs = sum(float(np.vdot(g, t)) for g, t in zip(grads, tangents))
    if not np.isclose(lhs, rhs, rtol=1e-9, atol=1e-12 * (abs(rhs) + 1.0)):
        _fail(label, "dot-product test failed", "<ct, J t> = %.17g but <J^T ct, t> = %.17g" % (lhs, rhs))
    return {"dot_product_test": [lhs, rhs]}


def check_hvp(label, fun, args, v, hv):
    """srcdiff.hvp against central differences of srcdiff.grad along v."""
    g = srcdiff.grad(fun, wrt=0)
    x = args[0]
    eps = 1e-5 * max(1.0, float(np.max(np.abs(x)))) / float(np.max(np.abs(v)))
    fd = (g(x + eps * v, *args[1:]) - g(x - eps * v, *args[1:])) / (2 * eps)
    err = float(np.max(np.abs(hv - fd)))
    scale = float(np.max(np.abs(fd)))
    if not err <= 1e-5 * scale + 1e-9:
        _fail(label, "hvp differs from finite differences of srcdiff.grad",
              "max abs diff %.3g, max |fd| %.3g, eps %.3g" % (err, scale, eps))
    return err / scale if scale else err


# ---------------------------------------------------------------------------------------------
# Runs

def raw_tangent(tf, args):
    """The generated tangent function behind ``tf`` (internal API: None if it has moved)."""
    try:
        return tf.functions_for(args, {})["tangent"]
    except Exception:
        return None


def affordable_rounds(contenders, opts, budget):
    """Rounds that fit ``budget`` seconds (at most ``opts.repeats``, at least min(repeats, 7)).

    A sample lasts at least ``opts.target`` and is preceded by one untimed call, so a round costs
    about twice the sum of max(call, target); the calls were made before, so code is generated.
    """
    if opts.quick:
        return opts.repeats
    per_round = 0.0
    for fn, args in contenders.values():
        fn(*args)
        t0 = time.perf_counter()
        fn(*args)
        per_round += 2 * max(time.perf_counter() - t0, opts.target)
    return max(min(opts.repeats, 7), min(opts.repeats, int(budget / per_round)))


def _call_jvp(fun, tangents, wrt):
    single = not isinstance(wrt, tuple)

    def call(*args):
        return srcdiff.jvp(fun, args, tangents[0] if single else tangents, wrt=wrt)
    return call


def run_workload(label, shapes, fun, hand, args, wrt, rng, opts, use_autograd):
    result = {"workload": label, "shapes": shapes, "function": fun.__name__}
    positions = _wrt_tuple(wrt)
    tangents = tuple(rng.standard_normal(np.shape(args[i])) for i in positions)
    v = rng.standard_normal(np.shape(args[0]))

    tf = srcdiff.forward(fun, wrt=wrt)
    try:
        tf_out = tf(*args, **dict(zip(tf.tangent_params, tangents)))
        jvp = _call_jvp(fun, tangents, wrt)
        jvp_out = jvp(*args)
        hvp = srcdiff.hvp(fun, wrt=0)
        hv = hvp(*args, v)
    except Exception as exc:  # report, do not hide: this is what the benchmark is for
        raise SystemExit("srcdiff FAILED on %s: %s: %s" % (label, type(exc).__name__, exc))
    kw = dict(zip(tf.tangent_params, tangents))
    raw = raw_tangent(tf, args)
    result.update(check_jvp(label, fun, args, wrt, tangents, tf_out, jvp_out))
    result["hvp_fd_rel_err"] = check_hvp(label, fun, args, v, hv)

    contenders = {"f": (fun, args), "tangent": (functools.partial(tf, **kw), args)}
    hand_jvp = HAND_JVP.get(fun.__name__)
    if hand_jvp is not None:
        hj = hand_jvp(*args, *tangents)
        if not (np.allclose(hj[0], jvp_out[0], rtol=1e-12, atol=0)
                and np.allclose(hj[1], jvp_out[1], rtol=1e-9, atol=0)):
            _fail(label, "hand-written JVP differs from srcdiff.jvp", "hand %r, srcdiff %r" % (hj, jvp_out))
        contenders["hand_jvp"] = (hand_jvp, args + tangents)
    if raw is not None:
        contenders["raw"] = (functools.partial(raw, **kw), args)
    contenders.update({"jvp": (jvp, args), "grad": (srcdiff.value_and_grad(fun, wrt=0), args),
                       "hvp": (hvp, args + (v,))})
    hand_hvp = HAND_HVP.get(fun.__name__)
    if hand_hvp is not None:
        if not _close(hand_hvp(*args, v), hv, 1e-7, 1e-10):
            _fail(label, "hand-written HVP differs from srcdiff.hvp",
                  "max abs diff %.3g" % np.max(np.abs(hand_hvp(*args, v) - hv)))
        contenders["hand_hvp"] = (hand_hvp, args + (v,))
    if use_autograd:
        ag_hvp = autograd.hessian_vector_product(autograd_version(fun), 0)
        if not _close(ag_hvp(*args, v), hv, 1e-7, 1e-10):
            _fail(label, "autograd's hessian_vector_product differs from srcdiff.hvp",
                  "max abs diff %.3g" % np.max(np.abs(ag_hvp(*args, v) - hv)))
        contenders["autograd_hvp"] = (ag_hvp, args + (v,))

    result["rounds"] = rounds = affordable_rounds(contenders, opts, opts.budget)
    timings = harness.measure(contenders, rounds, opts.target)
    med = {name: t["median"] for name, t in timings.items()}
    result["median_s"] = med
    result["calls_per_sample"] = {name: t["number"] for name, t in timings.items()}
    if opts.samples:
        result["samples_s"] = {name: t["samples"] for name, t in timings.items()}
    f_s = timings["f"]["samples"]
    for name in med:
        if name != "f":
            result[name + "_over_f"] = med[name] / med["f"]
            # per-round ratio (paired samples): a cross-check robust to drifting load
            result[name + "_over_f_paired"] = statistics.median(a / b for a, b in zip(timings[name]["samples"], f_s))
    result["hvp_over_grad"] = med["hvp"] / med["grad"]
    result["autograd_hvp_over_hvp"] = med["autograd_hvp"] / med["hvp"] if "autograd_hvp" in med else None
    return result


def run_jacobian(label, fun, exact, args, expected, opts):
    fwd = srcdiff.jacobian(fun, wrt=0, mode="forward")
    rev = srcdiff.jacobian(fun, wrt=0, mode="reverse")
    try:
        J_f, J_r = fwd(*args), rev(*args)
    except Exception as exc:
        raise SystemExit("srcdiff FAILED on jacobian %s: %s: %s" % (label, type(exc).__name__, exc))
    J = exact(*args)
    for mode, Jm in (("forward", J_f), ("reverse", J_r)):
        if Jm.shape != J.shape or not _close(Jm, J, 1e-9, 1e-12):
            _fail("jacobian " + label, "mode=%r differs from the analytic Jacobian" % mode,
                  "shape %s vs %s" % (Jm.shape, J.shape))
    contenders = {"f": (fun, args), "forward": (fwd, args), "reverse": (rev, args)}
    rounds = affordable_rounds(contenders, opts, opts.budget)
    timings = harness.measure(contenders, rounds, opts.target)
    med = {name: t["median"] for name, t in timings.items()}
    winner = "forward" if med["forward"] < med["reverse"] else "reverse"
    out_shape, in_shape = J.shape[:1], J.shape[1:]
    return {"case": label, "function": fun.__name__, "inputs": int(np.prod(in_shape)),
            "outputs": int(np.prod(out_shape)), "rounds": rounds, "median_s": med,
            "calls_per_sample": {name: t["number"] for name, t in timings.items()},
            "forward_over_reverse": med["forward"] / med["reverse"], "winner": winner, "expected": expected}


def report(results, jacobians, opts, use_autograd, elapsed):
    f = harness.fmt_time
    r = harness.fmt_ratio
    rows = [(x["workload"], x["shapes"], f(x["median_s"]["f"]), f(x["median_s"]["tangent"]),
             f(x["median_s"].get("raw")), f(x["median_s"]["jvp"]), f(x["median_s"].get("hand_jvp")),
             r(x["tangent_over_f"]), r(x.get("raw_over_f")), r(x["jvp_over_f"]), r(x["jvp_over_f_paired"]),
             r(x.get("hand_jvp_over_f"))) for x in results]
    print(harness.table(["workload", "shapes", "f only", "forward()", "raw tangent", "jvp", "hand jvp",
                         "forward()/f", "raw/f", "jvp/f", "(per round)", "hand/f"], rows, "llrrrrrrrrrr"))
    print()
    rows = [(x["workload"], f(x["median_s"]["f"]), f(x["median_s"]["grad"]), f(x["median_s"]["hvp"]),
             f(x["median_s"].get("hand_hvp")), f(x["median_s"].get("autograd_hvp")), r(x["hvp_over_f"]),
             r(x["hvp_over_f_paired"]), r(x.get("hand_hvp_over_f")), r(x["hvp_over_grad"]),
             r(x["autograd_hvp_over_hvp"]), "%.1e" % x["hvp_fd_rel_err"]) for x in results]
    print(harness.table(["hvp (wrt arg 0)", "f only", "grad", "srcdiff hvp", "hand hvp", "autograd hvp", "hvp/f",
                         "(per round)", "hand/f", "hvp/grad", "autograd/srcdiff", "fd rel err"], rows, "lrrrrrrrrrrr"))
    print()
    rows = [(j["case"], j["function"], f(j["median_s"]["f"]), f(j["median_s"]["forward"]),
             f(j["median_s"]["reverse"]), r(j["forward_over_reverse"]), j["winner"],
             "yes" if j["winner"] == j["expected"] else "NO (expected %s)" % j["expected"]) for j in jacobians]
    print(harness.table(["jacobian", "function", "f only", "mode=forward", "mode=reverse", "forward/reverse",
                         "winner", "as expected"], rows, "llrrrrll"))
    print()
    n = len(results)
    jvp_ok = sum(x["jvp_over_f"] <= 2.5 for x in results)
    jvp_ok_p = sum(x["jvp_over_f_paired"] <= 2.5 for x in results)
    hvp_ok_p = sum(x["hvp_over_f_paired"] <= 6.0 for x in results)
    raw_ok = sum(x.get("raw_over_f", 99.0) <= 2.5 for x in results)
    hvp_ok = sum(x["hvp_over_f"] <= 6.0 for x in results)
    jac_ok = sum(j["winner"] == j["expected"] for j in jacobians)
    print("targets: jvp/f <= 2.5x on %d/%d (per round %d/%d; raw tangent %d/%d); hvp/f <= 6x on %d/%d (per round "
          "%d/%d); jacobian crossover as expected on %d/%d"
          % (jvp_ok, n, jvp_ok_p, n, raw_ok, n, hvp_ok, n, hvp_ok_p, n, jac_ok, len(jacobians)))
    fewer = ["%s %d" % (x.get("workload") or x["case"], x["rounds"]) for x in results + jacobians
             if x["rounds"] < opts.repeats]
    print("%d rounds per workload%s, samples >= %.1f ms, total %.1f s%s"
          % (opts.repeats, " (%.0f s budget: %s)" % (opts.budget, ", ".join(fewer)) if fewer else "",
             opts.target * 1e3, elapsed,
             " (--quick: smoke run without the large workloads, numbers are rough)" if opts.quick else ""))


LEGEND = """\
legend: times are medians of per-call time; contenders are timed round-robin, ratios come from the
  medians of the same run.
  f only        the undifferentiated function itself (value only)
  forward()     tf(*args, t_W1=.., ...) with tf = srcdiff.forward(f, wrt=all params): value and J @ t,
                one random tangent per differentiated argument (MLPs: W1, b1, W2, b2; else w / x)
  raw tangent   the generated tangent function called directly (no specialization lookup)
  jvp           srcdiff.jvp(f, args, tangents, wrt=...) (argument and tangent checks included)
  hand jvp      hand-written value and J @ t (same tangents), for reference
  grad          srcdiff.value_and_grad(f, wrt=0), for scale
  srcdiff hvp   srcdiff.hvp(f, wrt=0)(*args, v): forward mode over the generated gradient
  hand hvp      hand-written H @ v (logreg: X.T (p(1-p) X v) / n; rosenbrock: tridiagonal Hessian)
  autograd hvp  autograd.hessian_vector_product(f, 0) on the same code with np -> autograd.numpy
  fd rel err    max |hvp - central differences of srcdiff.grad| / max |fd| (checked before timing)
  (per round)   the ratio as the median over rounds of (sample / f sample of the same round): robust
                to load that drifts during the run; the other ratios use medians
  jacobian      srcdiff.jacobian(f, wrt=0, mode=...) on a few-inputs/many-outputs function and the reverse
  targets (not asserted): jvp/f <= 2.5x, hvp/f <= 6x, forward wins R^3 -> R^N and reverse wins R^N -> R^3"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fast smoke run: few repeats, short samples")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--repeats", type=int, help="rounds per workload (default 31, --quick 3)")
    parser.add_argument("--target-ms", type=float, help="minimum duration of one sample (default 2, --quick 0.2)")
    parser.add_argument("--budget", type=float,
                        help="seconds of timing per workload; fewer rounds when they would not fit (default 4)")
    parser.add_argument("--jac-size", type=int, help="N of the Jacobian cases (default 2000, --quick 300)")
    parser.add_argument("--only", metavar="TEXT",
                        help="run only the workload named TEXT (else those whose name contains it)")
    parser.add_argument("--no-autograd", action="store_true", help="skip autograd even when it is installed")
    parser.add_argument("--samples", action="store_true", help="include every sample in the JSON output")
    harness.add_allocator_option(parser)
    opts = parser.parse_args(argv)
    opts.repeats = opts.repeats or (3 if opts.quick else 31)
    opts.budget = opts.budget or (0.3 if opts.quick else 4.0)
    opts.target = (opts.target_ms or (0.2 if opts.quick else 2.0)) * 1e-3
    opts.jac_size = opts.jac_size or (300 if opts.quick else 2000)
    use_autograd = autograd is not None and not opts.no_autograd

    env = harness.print_header(srcdiff.__version__, _version(autograd, "autograd"), opts.no_autograd, LEGEND,
                                 harness.steady_allocator(opts.system_malloc))

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    cases = harness.select(workloads(rng), opts.only, parser)
    if not opts.only and opts.quick:  # a smoke run: the small cases run the same functions through the same code paths
        cases = [c for c in cases if "large" not in c[0]]
    trng = np.random.default_rng(1)
    results = [run_workload(*case, trng, opts, use_autograd) for case in cases]
    jacobians = [run_jacobian(*case, opts) for case in jacobian_cases(np.random.default_rng(2), opts.jac_size)]
    elapsed = time.perf_counter() - start
    report(results, jacobians, opts, use_autograd, elapsed)

    if opts.json:
        env["srcdiff"] = srcdiff.__version__
        env["autograd"] = _version(autograd, "autograd") if use_autograd else None
        payload = {"benchmark": "forward", "environment": env,
                   "settings": {"quick": opts.quick, "repeats": opts.repeats, "budget_s": opts.budget,
                                "target_s": opts.target, "jacobian_size": opts.jac_size},
                   "elapsed_s": elapsed, "results": results, "jacobians": jacobians}
        with open(opts.json, "w") as fh:
            json.dump(payload, fh, indent=2)
        print("wrote %s" % opts.json)
    return results, jacobians


if __name__ == "__main__":
    main()
