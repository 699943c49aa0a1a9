"""First call in a new process with ``cache=True`` (issue 19): the Euler loop and the RNN of bench_numba.

    PYTHONPATH=. python benchmarks/bench_numba_cache.py

Each workload runs in three fresh processes against a temporary cache directory: the first fills it,
the next two time their first call (srcdiff's key, reading the entry, Numba loading its machine code).
For scale, a fresh process also times the first call of a trivial ``numba.njit(cache=True)`` function
read from Numba's cache: Numba's own start-up cost, which any cached Numba code pays.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CHILD = r'''
import json, os, sys, time
sys.path.insert(0, os.path.join({root!r}, "benchmarks"))
import numpy as np
import srcdiff
import bench_numba as B
rng = np.random.default_rng(0)
args = {{"euler": (1.0, 0.1, 1.0, 0.0, 200),
        "rnn": (rng.normal(size=(16, 16)) * 0.3, rng.normal(size=(16, 8)) * 0.3, rng.normal(size=(30, 8)),
                np.zeros(16), 30)}}[{name!r}]
g = srcdiff.grad(getattr(B, {name!r}), wrt=(0, 1), backend="numba", cache=True)
t0 = time.perf_counter()
g(*args)
print(json.dumps(time.perf_counter() - t0))
'''

BASELINE = r'''
import json, time, numba
from trivial import f
t0 = time.perf_counter()
f(1.0)
print(json.dumps(time.perf_counter() - t0))
'''


def run(code, env, cwd=None):
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in ("euler", "rnn"):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, SRCDIFF_CACHE_DIR=cache, PYTHONPATH=root, OMP_NUM_THREADS="1",
                       OPENBLAS_NUM_THREADS="1")
            times = [run(CHILD.format(root=root, name=name), env) for _ in range(3)]
            print("%-6s first process %.2f s (compiles), new processes %s" % (
                name, times[0], ", ".join("%.2f s" % t for t in times[1:])))
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "trivial.py"), "w") as f:
            f.write("import numba\n\n@numba.njit(cache=True)\ndef f(x):\n    return x * 2.0\n")
        env = dict(os.environ, PYTHONPATH=folder)
        times = [run(BASELINE, env, folder) for _ in range(3)]
        print("numba alone: a cached trivial function's first call in a new process %s"
              % ", ".join("%.2f s" % t for t in times[1:]))


if __name__ == "__main__":
    main()
