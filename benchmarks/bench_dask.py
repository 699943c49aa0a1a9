"""What a gradient step costs on a Dask cluster against in-memory NumPy, on data that fits.

    PYTHONPATH=. python benchmarks/bench_dask.py [--rows N] [--steps K]

A logistic regression's ``value_and_grad`` (srcdiff's generated code, unchanged, on Dask arrays:
one lazy graph per step, computed by the cluster) for NumPy arrays in this process, and for Dask
arrays chunked over a ``LocalCluster`` of 1 and 2 worker processes. Printed per configuration:
the median time per step, the tasks in one step's graph, and the bytes the workers sent each other
per step. The graph of the last step must have as many tasks as the first (it does not grow with
the number of steps); the script stops with an error otherwise. Needs ``srcdiff[dask]``.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import srcdiff


def loss(w, b, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def data(rows, features, chunk_rows, seed=0):
    """Dask arrays generated chunk by chunk (where they are computed), so no data travels in a graph."""
    import dask.array as da
    X = da.random.default_rng(seed).standard_normal((rows, features), chunks=(chunk_rows, features))
    y = (X @ np.random.default_rng(seed + 1).standard_normal(features) > 0).astype(float)
    return X, y


def steps_numpy(X, y, steps, lr=1.0):
    vg = srcdiff.value_and_grad(loss, wrt=("w", "b"))
    w, b, times = np.zeros(X.shape[1]), 0.0, []
    for _ in range(steps + 1):
        start = time.perf_counter()
        value, (dw, db) = vg(w, b, X, y)
        w, b = w - lr * dw, b - lr * db
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]), w


def sent_bytes(client):
    return sum(client.run(lambda dask_worker: getattr(dask_worker, "transfer_outgoing_bytes_total", 0)).values())


def steps_dask(X, y, steps, workers, lr=1.0):
    import dask
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        dX, dy = client.persist([X, y])
        vg = srcdiff.value_and_grad(loss, wrt=("w", "b"))
        w, b, times, tasks = np.zeros(X.shape[1]), 0.0, [], []
        sent0 = sent_bytes(client)
        for _ in range(steps + 1):
            start = time.perf_counter()
            value, (dw, db) = vg(w, b, dX, dy)
            tasks.append(len(dask.base.collections_to_expr([value, dw, db]).__dask_graph__()))
            value, dw, db = client.compute([value, dw, db], sync=True)
            w, b = w - lr * dw, b - lr * float(db)
            times.append(time.perf_counter() - start)
        sent = (sent_bytes(client) - sent0) / (steps + 1)
    if tasks[-1] != tasks[0]:
        raise SystemExit("the per-step graph grew: %d tasks at the first step, %d at the last" % (tasks[0], tasks[-1]))
    return statistics.median(times[1:]), tasks[0], sent, w


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    import dask
    lazy = data(args.rows, args.features, args.chunk_rows)
    X, y = dask.compute(*lazy, scheduler="threads")  # the same numbers, in memory
    print("logistic regression, %d rows x %d features (%.0f MB), chunks of %d rows, %d steps"
          % (args.rows, args.features, X.nbytes / 1e6, args.chunk_rows, args.steps))
    print("%-22s %14s %8s %16s" % ("", "time/step", "tasks", "bytes sent/step"))
    t, w_ref = steps_numpy(X, y, args.steps)
    print("%-22s %11.1f ms %8s %16s" % ("NumPy, in memory", t * 1e3, "-", "-"))
    for workers in (1, 2):
        t, tasks, sent, w = steps_dask(*lazy, args.steps, workers)
        np.testing.assert_allclose(w, w_ref, rtol=1e-9, atol=1e-12)  # the same descent
        print("%-22s %11.1f ms %8d %16.0f" % ("Dask, %d worker%s" % (workers, "s" if workers > 1 else ""),
                                               t * 1e3, tasks, sent))


if __name__ == "__main__":
    main()
