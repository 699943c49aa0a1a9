"""Control flow: srcdiff vs a careful hand-written NumPy gradient vs autograd on loops, and tape memory.

    cd /work/main && PYTHONPATH=/work/main python benchmarks/bench_loops.py [--quick] [--json PATH]

Workloads: a 200-step explicit Euler integration of a damped spring (Python floats; gradient of the
final position w.r.t. k, c, x0, v0) and a 30-step tanh RNN (hidden 16, input 8; gradient of
sum(h**2) w.r.t. Wh, Wx, b, h0). Every contender computes the value *and* the gradient (srcdiff and
autograd through ``value_and_grad``); results are checked against the hand-written gradient with
``np.allclose`` before anything is timed. Then the tape: what ``srcdiff.vjp``'s forward pass records
for a 10,000-step Euler loop (``pullback.tape_bytes``) against what the hand-written gradient keeps
(same convention: array buffers + 8 bytes per Python number). autograd is optional.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from bench_reverse import autograd_version, check, _version  # noqa: E402  (shared helpers)

import srcdiff  # noqa: E402

try:
    import autograd
except ImportError:  # optional benchmark extra
    autograd = None


# ---------------------------------------------------------------------------------------------
# Functions differentiated by srcdiff (and, re-bound to autograd.numpy, by autograd).

def euler(k, c, x0, v0, dt, n):
    """Final position of x'' = -k x - c x' after n explicit Euler steps of size dt."""
    x = x0
    v = v0
    for i in range(n):
        a = -k * x - c * v
        x = x + dt * v
        v = v + dt * a
    return x


def rnn(Wh, Wx, b, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t] + b)
    return np.sum(h ** 2)


# ---------------------------------------------------------------------------------------------
# Careful hand-written gradients, split into a forward pass that returns what the backward pass
# needs ("saved", counted for the tape comparison) and a backward pass.

def euler_hand_forward(k, c, x0, v0, dt, n):
    xs = []
    vs = []
    x = x0
    v = v0
    for i in range(n):
        xs.append(x)
        vs.append(v)
        x, v = x + dt * v, v - dt * (k * x + c * v)
    return x, (xs, vs)


def euler_hand_backward(saved, k, c, dt):
    xs, vs = saved
    # per step: a = -k x - c v; x' = x + dt v; v' = v + dt a.  With da = dt dv':
    #   dk -= da x, dc -= da v, dx = dx' - k da, dv = dv' + dt dx' - c da   (dt factored out of dk, dc)
    dx = 1.0
    dv = 0.0
    dk = 0.0
    dc = 0.0
    kdt = k * dt
    cdt = c * dt
    for x, v in zip(reversed(xs), reversed(vs)):
        dk -= dv * x
        dc -= dv * v
        dx, dv = dx - kdt * dv, dv + dt * dx - cdt * dv
    return dk * dt, dc * dt, dx, dv


def euler_hand(k, c, x0, v0, dt, n):
    value, saved = euler_hand_forward(k, c, x0, v0, dt, n)
    return value, euler_hand_backward(saved, k, c, dt)


def rnn_hand_forward(Wh, Wx, b, h0, xs):
    T = xs.shape[0]
    H = np.empty((T + 1, h0.shape[0]))   # every hidden state: all the backward pass needs
    H[0] = h0
    U = xs @ Wx.T                         # input projections of all steps in one product
    U += b
    h = h0
    for t in range(T):
        z = Wh @ h
        z += U[t]
        h = np.tanh(z, out=z)
        H[t + 1] = h
    return np.dot(h, h), H


def rnn_hand_backward(H, Wh, xs):
    D = H[1:] * H[1:]
    np.subtract(1.0, D, out=D)            # tanh' of every step
    dh = 2.0 * H[-1]
    WhT = Wh.T
    for t in range(xs.shape[0] - 1, -1, -1):
        dz = D[t]
        dz *= dh                          # D[t] becomes d loss / d z_t
        dh = WhT @ dz
    # the parameter gradients are sums over steps: one product each instead of T outer products
    return D.T @ H[:-1], D.T @ xs, D.sum(axis=0), dh


def rnn_hand(Wh, Wx, b, h0, xs):
    value, H = rnn_hand_forward(Wh, Wx, b, h0, xs)
    return value, rnn_hand_backward(H, Wh, xs)


def rnn_hand_step(Wh, Wx, b, h0, xs):
    """The textbook per-step version (outer products inside the backward loop), for reference."""
    hs = [h0]
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t] + b)
        hs.append(h)
    loss = np.dot(h, h)
    dh = 2.0 * h
    dWh = np.zeros_like(Wh)
    dWx = np.zeros_like(Wx)
    db = np.zeros_like(b)
    WhT = Wh.T
    for t in range(xs.shape[0] - 1, -1, -1):
        h = hs[t + 1]
        dz = dh * (1.0 - h * h)
        dWh += np.outer(dz, hs[t])
        dWx += np.outer(dz, xs[t])
        db += dz
        dh = WhT @ dz
    return loss, (dWh, dWx, db, dh)


# ---------------------------------------------------------------------------------------------
# Workloads

WRT4 = (0, 1, 2, 3)


def euler_args(n, dt):
    return (3.0, 0.4, 1.0, 0.0, dt, n)   # k, c, x0, v0: lightly damped, several oscillations


def rnn_args(rng, T=30, n_hidden=16, n_in=8):
    Wh = 0.9 * rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    Wx = rng.standard_normal((n_hidden, n_in)) / np.sqrt(n_in)
    b = 0.1 * rng.standard_normal(n_hidden)
    h0 = 0.5 * rng.standard_normal(n_hidden)
    xs = rng.standard_normal((T, n_in))
    return (Wh, Wx, b, h0, xs)


def workloads(rng):
    """(label, shapes, function, hand-written, reference variant or None, args) for every timed case."""
    return [
        ("euler 200", "floats, 200 steps", euler, euler_hand, None, euler_args(200, 0.01)),
        ("rnn 30x16", "T 30, h 16, in 8", rnn, rnn_hand, rnn_hand_step, rnn_args(rng)),
    ]


def saved_bytes(saved):
    """(entries, bytes) of what a hand-written forward pass keeps: the tape_bytes convention."""
    if isinstance(saved, (np.ndarray, np.generic)):
        return 1, saved.nbytes
    if isinstance(saved, (float, int)):
        return 1, 8
    if isinstance(saved, complex):
        return 1, 16
    entries = total = 0
    for v in saved:
        e, b = saved_bytes(v)
        entries += e
        total += b
    return entries, total


def run_workload(label, shapes, fun, hand, hand_ref, args, opts, use_autograd):
    result = {"workload": label, "shapes": shapes, "function": fun.__name__}
    sd = srcdiff.value_and_grad(fun, wrt=WRT4)
    try:
        value, grads = sd(*args)
    except Exception as exc:  # report, do not hide: this is what the benchmark is for
        raise SystemExit("srcdiff FAILED on %s: %s: %s" % (label, type(exc).__name__, exc))
    ref_value, ref_grads = hand(*args)
    check(label, "srcdiff", value, tuple(grads), ref_value, tuple(ref_grads))

    contenders = {"forward": (fun, args), "hand": (hand, args)}
    if hand_ref is not None:
        hv, hg = hand_ref(*args)
        check(label, hand_ref.__name__, hv, tuple(hg), ref_value, tuple(ref_grads))
        contenders["hand_step"] = (hand_ref, args)
    contenders["srcdiff"] = (sd, args)
    if use_autograd:
        ag = autograd.value_and_grad(autograd_version(fun), WRT4)
        ag_value, ag_grads = ag(*args)
        check(label, "autograd", ag_value, tuple(ag_grads), ref_value, tuple(ref_grads))
        contenders["autograd"] = (ag, args)

    timings = harness.measure(contenders, opts.repeats, opts.target)
    med = {name: t["median"] for name, t in timings.items()}
    result["median_s"] = med
    result["calls_per_sample"] = {name: t["number"] for name, t in timings.items()}
    if opts.samples:
        result["samples_s"] = {name: t["samples"] for name, t in timings.items()}
    result["srcdiff_over_hand"] = med["srcdiff"] / med["hand"]
    result["srcdiff_over_hand_step"] = med["srcdiff"] / med["hand_step"] if "hand_step" in med else None
    result["autograd_over_srcdiff"] = med["autograd"] / med["srcdiff"] if "autograd" in med else None
    sd_s, hand_s = timings["srcdiff"]["samples"], timings["hand"]["samples"]
    result["srcdiff_over_hand_paired"] = statistics.median(a / b for a, b in zip(sd_s, hand_s))
    if "autograd" in timings:
        result["autograd_over_srcdiff_paired"] = statistics.median(
            a / b for a, b in zip(timings["autograd"]["samples"], sd_s))
    return result


def _retained(fn, args):
    """(result, bytes of Python heap still allocated after ``fn(*args)`` returns), by tracemalloc."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = fn(*args)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return out, after - before


def tape_case(label, fun, hand_forward, hand_backward, backward_args, args):
    """srcdiff.vjp's recorded tape vs the hand-written forward pass's saved values."""
    vjp = srcdiff.vjp(fun, wrt=WRT4)
    vjp(*args)  # generate the code outside the measurement
    (value, pullback), sd_heap = _retained(vjp, args)
    (hand_value, saved), hand_heap = _retained(hand_forward, args)
    ref_grads = hand_backward(saved, *backward_args)
    grads = pullback(1.0)  # both functions return a scalar
    check(label, "srcdiff.vjp", value, tuple(grads), hand_value, tuple(ref_grads))
    entries, nbytes = saved_bytes(saved)
    return {"workload": label, "srcdiff_tape_entries": pullback.tape_entries,
            "srcdiff_tape_bytes": pullback.tape_bytes, "hand_entries": entries, "hand_bytes": nbytes,
            "ratio": pullback.tape_bytes / nbytes,
            "srcdiff_heap_bytes": sd_heap, "hand_heap_bytes": hand_heap}


def report(results, tapes, opts, use_autograd, elapsed):
    f = harness.fmt_time
    r = harness.fmt_ratio
    rows = [(x["workload"], x["shapes"], f(x["median_s"]["forward"]), f(x["median_s"]["hand"]),
             f(x["median_s"].get("hand_step")), f(x["median_s"]["srcdiff"]), f(x["median_s"].get("autograd")),
             r(x["srcdiff_over_hand"]), r(x["srcdiff_over_hand_paired"]), r(x["srcdiff_over_hand_step"]),
             r(x["autograd_over_srcdiff"]), r(x.get("autograd_over_srcdiff_paired"))) for x in results]
    print(harness.table(["workload", "shapes", "f only", "hand", "hand/step", "srcdiff", "autograd",
                         "srcdiff/hand", "(per round)", "srcdiff/step", "autograd/srcdiff", "(per round)"], rows,
                        "llrrrrrrrrrr"))
    print()
    rows = [(t["workload"], t["srcdiff_tape_entries"], t["srcdiff_tape_bytes"], t["hand_entries"], t["hand_bytes"],
             r(t["ratio"]), t["srcdiff_heap_bytes"], t["hand_heap_bytes"]) for t in tapes]
    print(harness.table(["tape", "srcdiff entries", "srcdiff bytes", "hand entries", "hand bytes",
                         "srcdiff/hand", "srcdiff heap", "hand heap"], rows, "lrrrrrrr"))
    print()
    within = sum(x["srcdiff_over_hand"] <= 2.0 for x in results)
    fast = sum(1 for x in results if x["autograd_over_srcdiff"] is not None and x["autograd_over_srcdiff"] >= 10.0)
    euler_tape = [t for t in tapes if t["workload"].startswith("euler")]
    n = len(results)
    print("targets: srcdiff/hand <= 2x on %d/%d; autograd >= 10x slower than srcdiff on %s; "
          "Euler tape within 2x of hand: %s"
          % (within, n, ("%d/%d" % (fast, n)) if use_autograd else "- (autograd not installed)",
             ", ".join("%s %s (%s)" % (t["workload"], "yes" if t["ratio"] <= 2.0 else "NO", r(t["ratio"]))
                       for t in euler_tape)))
    print("%d rounds per workload, samples >= %.1f ms, total %.1f s%s"
          % (opts.repeats, opts.target * 1e3, elapsed, " (--quick: smoke run, numbers are rough)" if opts.quick
             else ""))


LEGEND = """\
legend: times are medians of per-call time for value AND gradient w.r.t. all four parameters;
  contenders are timed round-robin, ratios come from the medians of the same run.
  f only       the undifferentiated function itself (value only), for scale
  hand         careful hand-written value+gradient: forward loop saving only what the backward loop
               needs (euler: two lists of floats; rnn: one (T+1, 16) array of hidden states, input
               projections for all steps in one product, weight gradients as one product after the loop)
  hand/step    rnn only: the textbook per-step hand-written version (outer products inside the loop)
  srcdiff      srcdiff.value_and_grad(f, wrt=(0, 1, 2, 3)) called as users call it (cached code)
  autograd     autograd.value_and_grad on the same code with np -> autograd.numpy
  tape         srcdiff.vjp(f)(*args): pullback.tape_entries / tape_bytes (array buffers + 8 per number)
               vs what the hand-written forward pass returns for its backward pass (same convention);
               heap = Python heap still allocated after the forward pass (tracemalloc; a float in a
               list really costs 32 bytes)
  (per round)  the same ratio as the median over rounds of (sample / sample of the same round):
               robust to load that drifts during the run; the column left of it uses medians
  targets (not asserted): srcdiff/hand <= 2x, autograd/srcdiff >= 10x, Euler tape srcdiff/hand <= 2x"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fast smoke run: few repeats, short samples")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--repeats", type=int, help="rounds per workload (default 61, --quick 3)")
    parser.add_argument("--target-ms", type=float, help="minimum duration of one sample (default 2, --quick 0.2)")
    parser.add_argument("--tape-steps", type=int, default=10000, help="steps of the Euler loop for the tape")
    parser.add_argument("--no-autograd", action="store_true", help="skip autograd even when it is installed")
    parser.add_argument("--samples", action="store_true", help="include every sample in the JSON output")
    harness.add_allocator_option(parser)
    opts = parser.parse_args(argv)
    opts.repeats = opts.repeats or (3 if opts.quick else 61)
    opts.target = (opts.target_ms or (0.2 if opts.quick else 2.0)) * 1e-3
    use_autograd = autograd is not None and not opts.no_autograd

    env = harness.print_header(srcdiff.__version__, _version(autograd, "autograd"), opts.no_autograd, LEGEND,
                                 harness.steady_allocator(opts.system_malloc))

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    results = [run_workload(*case, opts, use_autograd) for case in workloads(rng)]
    n = opts.tape_steps
    eargs = euler_args(n, 10.0 / n)
    rargs = rnn_args(np.random.default_rng(1))
    tapes = [tape_case("euler %d" % n, euler, euler_hand_forward, euler_hand_backward,
                       (eargs[0], eargs[1], eargs[4]), eargs),
             tape_case("rnn 30x16 (for reference)", rnn, rnn_hand_forward, rnn_hand_backward,
                       (rargs[0], rargs[4]), rargs)]
    elapsed = time.perf_counter() - start
    report(results, tapes, opts, use_autograd, elapsed)

    if opts.json:
        env["srcdiff"] = srcdiff.__version__
        env["autograd"] = _version(autograd, "autograd") if use_autograd else None
        payload = {"benchmark": "loops", "environment": env,
                   "settings": {"quick": opts.quick, "repeats": opts.repeats, "target_s": opts.target,
                                "tape_steps": n},
                   "elapsed_s": elapsed, "results": results, "tapes": tapes}
        with open(opts.json, "w") as fh:
            json.dump(payload, fh, indent=2)
        print("wrote %s" % opts.json)
    return results, tapes


if __name__ == "__main__":
    main()
