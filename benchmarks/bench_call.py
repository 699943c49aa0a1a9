"""What a cached call costs on top of the generated function, and what any shape-keyed cache must pay.

    cd /work/main && PYTHONPATH=/work/main python benchmarks/bench_call.py [--quick]

On the small workloads of bench_reverse.py (where Python-level costs show), ``value_and_grad`` and
``grad`` w.r.t. the differentiated parameters of bench_reverse.py are called four ways:

  raw        the generated function specialized to these shapes, called directly
  + lookup   the least a cache of code specialized to shapes can do: find the function by the
             arguments' shapes (srcdiff's ``call_key``) in a dict, call it
  + dtypes   lookup, plus the refusal of integer or boolean arrays as differentiated arguments
  + srcdiff  the transformed function as users call it: lookup, dtype checks, the check that the
             value is a number, the shape and dtype checks of each gradient (``fit`` converts)

Each + column is the median over rounds of the extra time per call over raw (paired samples of
one round).

The generated function alone cannot refuse an integer array or a non-scalar output, and it is
specialized to one combination of shapes: "raw" is a floor no cache reaches.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from bench_reverse import workloads  # noqa: E402  (the same functions and data)

import srcdiff  # noqa: E402
from srcdiff.backend.entries import call_key  # noqa: E402


def lookup_only(raw, args):
    table = {call_key(args): raw}

    def call(*args):
        return table[call_key(args)](*args)
    return call


def lookup_and_dtypes(raw, args, positions):
    table = {call_key(args): raw}

    def call(*args):
        for p in positions:
            if args[p].dtype.kind not in "fc":
                raise TypeError("an integer array")
        return table[call_key(args)](*args)
    return call


def run(label, fun, args, wrt, make, role, opts):
    transformed = make(fun, wrt=wrt)
    transformed(*args)
    raw = transformed.functions_for(args, {})[role]
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    contenders = {"raw": (raw, args), "lookup": (lookup_only(raw, args), args),
                  "dtypes": (lookup_and_dtypes(raw, args, positions), args), "srcdiff": (transformed, args)}
    timings = harness.measure(contenders, opts.repeats, opts.target)
    raw_s = timings["raw"]["samples"]
    over = {name: statistics.median(a - b for a, b in zip(timings[name]["samples"], raw_s))
            for name in ("lookup", "dtypes", "srcdiff")}  # paired per round: less noisy than medians
    return (label, make.__name__, len(args), harness.fmt_time(timings["raw"]["median"]),
            harness.fmt_time(over["lookup"]), harness.fmt_time(over["dtypes"]), harness.fmt_time(over["srcdiff"]),
            "%.1f%%" % (100.0 * over["srcdiff"] / timings["raw"]["median"]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fast smoke run: few repeats, short samples")
    harness.add_allocator_option(parser)
    opts = parser.parse_args(argv)
    opts.repeats, opts.target = (3, 0.2e-3) if opts.quick else (61, 2e-3)
    harness.print_header(srcdiff.__version__, None, False, "\n\n".join(__doc__.split("\n\n")[2:]).rstrip(),
                         harness.steady_allocator(opts.system_malloc))
    cases = [c for c in workloads(np.random.default_rng(0)) if "large" not in c[0]]
    rows = [run(label, fun, args, wrt, make, make.__name__ if make is srcdiff.grad else "joint", opts)
            for label, _, fun, _, args, wrt in cases for make in (srcdiff.value_and_grad, srcdiff.grad)]
    print(harness.table(["workload", "call", "args", "raw", "+ lookup", "+ dtypes", "+ srcdiff", "srcdiff %"],
                        rows, "llrrrrrr"))


if __name__ == "__main__":
    main()
