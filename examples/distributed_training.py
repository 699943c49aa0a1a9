"""Fit a logistic regression by full-batch gradient descent on data chunked across a Dask cluster.

The data are generated chunk by chunk on the workers (the client never holds them); each step's
gradient is srcdiff's generated code run on Dask arrays: one lazy Dask graph over all chunks,
computed by the cluster. Needs ``pip install "srcdiff[dask]"``.

Run:  python examples/distributed_training.py                        (a LocalCluster on this machine)
      python examples/distributed_training.py --scheduler tcp://host:8786 --rows 100_000_000
"""
import argparse
import time

import numpy as np

import srcdiff


def loss(w, b, X, y):
    """Mean cross-entropy of a logistic model."""
    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def make_data(rows, features, chunk_rows, seed=0):
    """Two classes split by a random hyperplane, as Dask arrays generated chunk by chunk."""
    import dask.array as da
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    true_w = np.random.default_rng(seed + 1).standard_normal(features)
    noise = rng.standard_normal(rows, chunks=chunk_rows)
    y = (X @ true_w + 0.3 * noise > 0).astype(float)
    return X, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: start a LocalCluster)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=10)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars; print only the final lines")
    args = parser.parse_args(argv)

    import dask
    from distributed import Client, LocalCluster, progress

    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        X, y = make_data(args.rows, args.features, args.chunk_rows)
        X, y = client.persist([X, y])  # generated on the workers, kept there
        w, b = np.zeros(args.features), 0.0
        value_and_grad = srcdiff.value_and_grad(loss, wrt=("w", "b"))
        times = []
        for step in range(args.steps):
            start = time.perf_counter()
            value, (dw, db) = value_and_grad(w, b, X, y)  # lazy: a Dask graph over every chunk
            futures = client.compute([value, dw, db])
            if not args.quiet:
                print("step %d/%d" % (step + 1, args.steps))
                progress(futures, notebook=False)
                print()
            value, dw, db = client.gather(futures)
            w, b = w - args.lr * dw, b - args.lr * float(db)
            times.append(time.perf_counter() - start)
            if not args.quiet:
                print("  loss %.5f" % value)
        accuracy = dask.compute(((X @ w + b > 0) == (y > 0.5)).mean())[0]
        print("rows %d, %d workers: loss %.4f, accuracy %.3f" % (args.rows, len(client.scheduler_info()["workers"]),
                                                                  value, accuracy))
        print("time per step: %.3f s (first step %.3f s, with the code generation)"
              % (np.median(times[1:] or times), times[0]))
        return {"loss": float(value), "accuracy": float(accuracy), "times": times}
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
