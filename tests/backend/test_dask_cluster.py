"""A gradient over Dask arrays computed by a two-process ``distributed.LocalCluster`` (issue 20):
unequal chunks spread over the workers, the result equal to the single-process NumPy gradient."""
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import srcdiff  # noqa: E402

pytestmark = pytest.mark.cluster


def mlp_loss(W1, b1, W2, X, y):
    hidden = np.tanh(X @ W1 + b1)
    p = 1.0 / (1.0 + np.exp(-(hidden @ W2)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_local_cluster_gradient_equals_single_process():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(700, 5))
    y = (X[:, 0] - X[:, 1] > 0).astype(float)
    W1, b1, W2 = rng.normal(size=(5, 4)) * 0.5, np.zeros(4), rng.normal(size=4) * 0.5
    want = srcdiff.grad(mlp_loss, wrt=(0, 1, 2))(W1, b1, W2, X, y)
    start = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        chunks = (100, 250, 50, 300)  # unequal
        dX = client.persist(da.from_array(X, chunks=(chunks, 5)))
        dy = client.persist(da.from_array(y, chunks=(chunks,)))
        grads = srcdiff.grad(mlp_loss, wrt=(0, 1, 2))(W1, b1, W2, dX, dy)
        assert all(isinstance(g, da.Array) for g in grads)  # lazy until the cluster computes it
        got = client.compute(list(grads), sync=True)
        assert len(client.scheduler_info()["workers"]) == 2
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert time.perf_counter() - start < 60


def test_distributed_training_example_learns(capsys):
    from tests.docs.test_examples import load
    result = load("distributed_training").main(["--quiet", "--workers", "1", "--rows", "20000",
                                                "--chunk-rows", "7000", "--steps", "15"])
    assert result["accuracy"] > 0.9 and len(result["times"]) == 15
    assert "time per step" in capsys.readouterr().out
