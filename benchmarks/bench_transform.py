"""Transformation time: how the first call of ``srcdiff.grad`` grows with the length of the code.

    cd /work/main && PYTHONPATH=/work/main python benchmarks/bench_transform.py [--quick] [--max N] [--json PATH]

Times the first call of ``srcdiff.grad(f)`` (cache cleared: parse .. analyses .. codegen .. compile,
plus one call on small arrays) of

- straight-line functions of 100 .. 1,600 varied elementwise and array statements;
- ``for`` and ``while`` loops whose bodies grow from 25 to 400 statements;
- recursive helpers: a self-recursive helper calling another helper (the 15-line module of issue 16),
  and chains of helpers, each calling the next and itself;
- the seven reverse benchmark functions (benchmarks/bench_reverse.py).

For each family it prints the ratio of each time to the previous one (the cost of doubling the
length: 2x is linear, 4x quadratic). Targets (issue 16, item 8): 1,600 statements in at most 4 s,
each doubling at most 2.5x, every reverse benchmark function under 15 ms. The functions are
written to a temporary module (srcdiff reads their source). Each time is printed as wall time and
as this process's CPU time: on a shared, loaded machine the CPU time is the steadier number.
``--give-up`` skips the longer cases of a family once one is too slow (for timing old versions).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import srcdiff  # noqa: E402
import srcdiff.backend.cache  # noqa: E402
import srcdiff.pipeline  # noqa: E402

N = 8  # length of the vectors the generated functions run on

# One statement each, reading the last three values (a, b, c) and the parameters x, w (vectors)
# and M (a matrix); every value feeds a later one, so nothing is dead code.
TEMPLATES = [
    "{t} = np.sin({a}) * w + 0.5 * {b}",
    "{t} = np.tanh({a} - {b}) * 2.0",
    "{t} = {a} * {b} - 0.25 * {c}",
    "{t} = np.cos({a}) + np.exp(-{b} ** 2)",
    "{t} = np.sqrt({a} ** 2 + 1.0) - {b}",
    "{t} = np.maximum({a}, 0.0) * 0.3 + np.minimum({b}, {c})",
    "{t} = ({a} + {b}) / (1.0 + {c} ** 2)",
    "{t} = -{a} * 2.0 + np.sum({b}) * 0.01",
    "{t} = np.tanh(M @ {a}) + x",
    "{t} = {a}[::-1] * w - {b}",
    "{t} = np.where({a} > 0, {a}, 0.1 * {a}) + 0.5 * {c}",
    "{t} = np.tanh(3.0 * {a} * {b} + {c} / 2.0)",
]


def _statements(n, first, indent="    "):
    """``n`` statements cycling through TEMPLATES, the first reading ``first`` (three names)."""
    names = list(first)
    lines = []
    for i in range(n):
        t = "t%d" % i
        a, b, c = names[-1], names[-2], names[-3]
        lines.append(indent + TEMPLATES[i % len(TEMPLATES)].format(t=t, a=a, b=b, c=c))
        if i % 6 == 5:  # keep the values bounded
            lines.append(indent + "%s = np.tanh(%s)" % (t, t))
        names.append(t)
    return lines, names[-1]


def straight_source(n):
    lines, last = _statements(n, ("w", "x", "x"))
    return "def straight_%d(x, w, M):\n%s\n    return np.sum(%s ** 2)\n" % (n, "\n".join(lines), last)


def for_source(n):
    lines, last = _statements(n, ("w", "s", "s"), indent="        ")
    return ("def for_%d(x, w, M):\n    s = x\n    for i in range(3):\n%s\n        s = %s\n"
            "    return np.sum(s ** 2)\n" % (n, "\n".join(lines), last))


def while_source(n):
    lines, last = _statements(n, ("w", "s", "s"), indent="        ")
    return ("def while_%d(x, w, M):\n    s = x\n    k = 0\n    while k < 3:\n%s\n        s = %s\n"
            "        k = k + 1\n    return np.sum(s ** 2)\n" % (n, "\n".join(lines), last))


# The module of issue 16: a self-recursive helper that calls another helper.
RECURSIVE = '''
def pad(a, k):
    b = a * 0.5 + k
    return np.tanh(b)


def walk(a, n):
    if n <= 0:
        return a
    b = pad(a, 0.1)
    return walk(np.sin(b) + a, n - 1)


def recursive(x, w, M):
    return np.sum(walk(x * w, 4) ** 2)
'''


def chain_source(n):
    """``n`` helpers, each recursive and calling the next: every one must be analysed once."""
    parts = []
    for i in range(n):
        call = "h%d(np.sin(b), k)" % (i + 1) if i + 1 < n else "np.sin(b)"
        parts.append("def h%d(a, k):\n    if k <= 0:\n        return a\n    b = a * 0.5 + 0.1\n"
                     "    c = %s\n    return h%d(c + a, k - 1)\n" % (i, call, i))
    parts.append("def chain_%d(x, w, M):\n    return np.sum(h0(x * w, 2) ** 2)\n" % n)
    return "\n\n".join(parts)


def families(sizes, loop_sizes, chains):
    return [
        ("straight-line", [(n, "straight_%d" % n, straight_source(n)) for n in sizes]),
        ("for loop body", [(n, "for_%d" % n, for_source(n)) for n in loop_sizes]),
        ("while loop body", [(n, "while_%d" % n, while_source(n)) for n in loop_sizes]),
        ("recursive helpers", [(1, "recursive", RECURSIVE)] +
         [(n, "chain_%d" % n, chain_source(n)) for n in chains]),
    ]


def load(directory, name, source):
    """The function ``name`` of a new module holding ``source``."""
    path = os.path.join(directory, "bt_%s.py" % name)
    with open(path, "w") as fh:
        fh.write("import numpy as np\n\n\n" + source)
    return getattr(importlib.import_module("bt_%s" % name), name)


def first_call(fun, args, wrt, repeats):
    """(wall, CPU) seconds of a first call of ``srcdiff.grad(fun)`` with the cache cleared, the
    run of median wall time (one run when it takes over a second). CPU time (this process) is the
    steadier number on a shared machine."""
    times = []
    for _ in range(repeats):
        srcdiff.backend.cache.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        with np.errstate(all="ignore"):
            srcdiff.grad(fun, wrt=wrt)(*args)
        times.append((time.perf_counter() - t0, time.process_time() - c0))
        if times[-1][0] > 1.0:
            break
    return sorted(times)[len(times) // 2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run per case, straight-line up to 400")
    parser.add_argument("--max", type=int, default=1600, help="longest straight-line function (default 1600)")
    parser.add_argument("--repeats", type=int, help="runs per case, median (default 3, --quick 1)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--give-up", type=float, metavar="SECONDS",
                        help="skip the longer cases of a family after one took more than SECONDS (old versions)")
    opts = parser.parse_args(argv)
    repeats = opts.repeats or (1 if opts.quick else 3)
    top = min(opts.max, 400) if opts.quick else opts.max
    sizes = [n for n in (100, 200, 400, 800, 1600) if n <= top]
    loop_sizes = [n for n in (25, 50, 100, 200, 400) if n <= top // 4]
    chains = [n for n in (2, 4, 8) if n <= top // 100]

    harness.print_environment(harness.environment(), ["srcdiff %s" % srcdiff.__version__])
    rng = np.random.default_rng(0)
    args = (rng.standard_normal(N), rng.standard_normal(N), 0.3 * rng.standard_normal((N, N)))
    results = {}
    warnings.simplefilter("ignore")
    srcdiff.grad(lambda v: np.sum(np.sin(v) * v))(args[0])  # load the rule tables before timing
    with tempfile.TemporaryDirectory() as directory:
        sys.path.insert(0, directory)
        for family, cases in families(sizes, loop_sizes, chains):
            rows, previous = [], None
            for n, name, source in cases:
                if previous and opts.give_up and previous[0] > opts.give_up:
                    rows.append((name, n, source.count("\n") + 3, "skipped", "-", "-", "-"))
                    continue
                fun = load(directory, name, source)
                seconds, cpu = first_call(fun, args, 0, repeats)
                ratio = seconds / previous[0] if previous else None
                cpu_ratio = cpu / previous[1] if previous else None
                lines = source.count("\n") + 3
                rows.append((name, n, lines, harness.fmt_time(seconds), harness.fmt_ratio(ratio),
                             harness.fmt_time(cpu), harness.fmt_ratio(cpu_ratio)))
                results[name] = {"family": family, "n": n, "lines": lines, "first_call_s": seconds,
                                 "cpu_s": cpu, "ratio_to_previous": ratio, "cpu_ratio_to_previous": cpu_ratio}
                previous = (seconds, cpu) if name != "recursive" else None
                print("  %-20s %s (cpu %s)" % (name, harness.fmt_time(seconds), harness.fmt_time(cpu)),
                      file=sys.stderr, flush=True)
            print("%s (first call, cache cleared; ratio = time / previous row's)" % family)
            print(harness.table(["function", "n", "lines", "first call", "ratio", "cpu", "cpu ratio"], rows,
                                "lrrrrrr"))
            print()
        sys.path.remove(directory)

    import bench_reverse
    rows = []
    for label, shapes, fun, _hand, fargs, wrt in bench_reverse.workloads(np.random.default_rng(0)):
        names = bench_reverse.param_names(fun, wrt)
        walls, cpus = [], []
        for _ in range(3 if opts.quick else 9):
            srcdiff.backend.cache.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            srcdiff.pipeline.reverse(fun, names)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        seconds, cpu = statistics.median(walls), statistics.median(cpus)
        first = first_call(fun, fargs, wrt, repeats)[0]
        rows.append((label, fun.__name__, harness.fmt_time(seconds), harness.fmt_time(cpu), harness.fmt_time(first),
                     "yes" if seconds < 0.015 else "NO", "yes" if cpu < 0.015 else "NO"))
        results["reverse " + label] = {"transform_s": seconds, "transform_cpu_s": cpu, "first_call_s": first}
    print("reverse benchmark functions (transform = srcdiff.pipeline.reverse, median, cache cleared)")
    print(harness.table(["workload", "function", "transform", "cpu", "first call", "< 15 ms", "cpu < 15 ms"], rows,
                        "llrrrrr"))
    print()

    straight = [results["straight_%d" % n] for n in sizes if "straight_%d" % n in results]
    ratios = [r for r in results.values() if r.get("ratio_to_previous")]
    worst = max((r["ratio_to_previous"] for r in ratios), default=None)
    worst_cpu = max((r["cpu_ratio_to_previous"] for r in ratios), default=None)
    longest = straight[-1] if straight else None
    print("targets: %s statements in %s, cpu %s (<= 4 s); worst doubling %s, cpu %s (<= 2.5x)"
          % (longest and longest["n"], longest and harness.fmt_time(longest["first_call_s"]),
             longest and harness.fmt_time(longest["cpu_s"]), harness.fmt_ratio(worst), harness.fmt_ratio(worst_cpu)))
    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump({"benchmark": "transform", "results": results}, fh, indent=2)
        print("wrote %s" % opts.json)
    return results


if __name__ == "__main__":
    main()
