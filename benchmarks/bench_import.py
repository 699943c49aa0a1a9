"""What ``import srcdiff`` costs after NumPy, and what the first gradient then costs (rules loaded).

    PYTHONPATH=. python benchmarks/bench_import.py [--runs 15]

Each run is a new interpreter that imports NumPy (and SciPy where said), then times
``import srcdiff``, then the first ``srcdiff.grad`` call of a small function (which loads the rule
table and transforms). Prints the median and the range over runs. The issue's bar: the import at
most 150 ms after NumPy, with SciPy installed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

SCRIPT = '''
import time
import numpy as np
{extra}
t0 = time.perf_counter()
import srcdiff
t1 = time.perf_counter()
def f(x):
    return np.sum(np.tanh(x) ** 2)
srcdiff.grad(f)(np.ones(3))
t2 = time.perf_counter()
import sys
print(t1 - t0, t2 - t1, "scipy" in sys.modules)
'''


def measure(extra, runs):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "first_use.py")
        with open(path, "w") as f:
            f.write(SCRIPT.format(extra=extra))
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        rows = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, path], capture_output=True, text=True, env=env, check=True)
            imp, first, scipy_loaded = out.stdout.split()
            rows.append((float(imp), float(first), scipy_loaded == "True"))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    print("python %s, %d fresh interpreters per line; medians (min-max)" % (sys.version.split()[0], args.runs))
    cases = [("numpy only", "")]
    try:
        import scipy.special  # noqa: F401
        cases.append(("scipy.special imported first", "import scipy.special"))
    except ImportError:
        print("(SciPy is not installed)")
    for label, extra in cases:
        rows = measure(extra, args.runs)
        imports = [r[0] * 1e3 for r in rows]
        firsts = [r[1] * 1e3 for r in rows]
        print("%-30s import srcdiff %6.1f ms (%.1f-%.1f)   first grad %6.1f ms (%.1f-%.1f)   scipy imported by "
              "srcdiff: %s" % (label, statistics.median(imports), min(imports), max(imports),
                               statistics.median(firsts), min(firsts), max(firsts),
                               "yes" if any(r[2] for r in rows) and not extra else "no"))


if __name__ == "__main__":
    main()
