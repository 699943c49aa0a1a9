"""Dask arrays through grad, value_and_grad, vjp and jvp (issue 20): results equal to NumPy's,
still lazy Dask arrays (nothing computed during the call), and what Dask cannot do lazily refused
naming it and the user's line."""
import contextlib

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

import srcdiff  # noqa: E402
from srcdiff.backend.duck import DASK, DuckArrayError  # noqa: E402
from srcdiff.errors import ArgumentError  # noqa: E402
from tests.data import corpus  # noqa: E402


class Computed(AssertionError):
    pass


def _refuse(*args, **kwargs):
    raise Computed("a Dask array was computed inside srcdiff's call")


@contextlib.contextmanager
def no_compute():
    """Any compute inside the block fails the test (srcdiff's own guard is lifted off this one by
    catching only its own error: a Computed escaping would mean a compute outside generated code)."""
    with dask.config.set(scheduler=_refuse):
        yield


def chunked(a, first=None):
    """``a`` as a Dask array in two unequal chunks along axis 0."""
    n = a.shape[0]
    first = first or max(1, n // 3)
    return da.from_array(a, chunks=((first, n - first),) + tuple((s,) for s in a.shape[1:]))


def leaves(g):
    if isinstance(g, (list, tuple)):
        return [y for x in g for y in leaves(x)]
    if isinstance(g, dict):
        return [y for k in sorted(g) for y in leaves(g[k])]
    return [g]


def assert_lazy_equal(got, want):
    got, want = leaves(got), leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, da.Array), type(g)
        assert g.shape == np.shape(w) and g.dtype == np.asarray(w).dtype
    for g, w in zip(dask.compute(got)[0], want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def logistic(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def data(n=50, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (rng.random(n) > 0.5).astype(float)
    w = rng.normal(size=d) * 0.3
    return w, X, y


def test_logistic_regression_data_and_weights_in_dask():
    w, X, y = data()
    want = srcdiff.grad(logistic)(w, X, y)
    for args in [(w, chunked(X), chunked(y)), (chunked(w, 1), chunked(X), chunked(y)), (chunked(w), X, y)]:
        with no_compute():
            got = srcdiff.grad(logistic)(*args)
        assert_lazy_equal(got, want)


def test_value_is_a_zero_dimensional_dask_array():
    w, X, y = data()
    want_value, want = srcdiff.value_and_grad(logistic)(w, X, y)
    with no_compute():
        value, got = srcdiff.value_and_grad(logistic)(chunked(w), chunked(X), chunked(y))
    assert isinstance(value, da.Array) and value.shape == ()
    assert float(value.compute()) == pytest.approx(float(want_value), rel=1e-13)
    assert_lazy_equal(got, want)


def test_mlp_all_parameters_in_dask():
    case = next(c for c in corpus.CASES if c.name == "mlp_tanh_mse")
    args = case.make()
    want = srcdiff.grad(case.fun, wrt=case.wrt)(*args)
    dargs = [chunked(a) if isinstance(a, np.ndarray) and a.ndim and a.shape[0] > 1 else a for a in args]
    assert any(isinstance(a, da.Array) for a in dargs)
    with no_compute():
        got = srcdiff.grad(case.fun, wrt=case.wrt)(*dargs)
    assert_lazy_equal(got, want)


CORPUS_NAMES = ["logistic_regression", "rosenbrock", "log_sum_exp", "gaussian_nll", "self_attention",
                "batch_norm", "rnn_loss", "masked_mean_with_where", "horner_vectorized", "params_dict",
                "relu_by_mask_assignment", "stack_axis_and_concatenate", "covariance_trace", "nbody_potential"]


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_functions_with_dask_arguments(name):
    case = next(c for c in corpus.CASES if c.name == name)
    args = case.make()
    want = srcdiff.grad(case.fun, wrt=case.wrt)(*args)
    dargs = [chunked(a) if isinstance(a, np.ndarray) and a.ndim and a.shape[0] > 1 and a.dtype.kind == "f" else a
             for a in args]
    assert any(isinstance(a, da.Array) for a in dargs)
    with no_compute():
        got = srcdiff.grad(case.fun, wrt=case.wrt)(*dargs)
    got_leaves = dask.compute(leaves(got))[0]
    for g, w in zip(got_leaves, leaves(want)):
        np.testing.assert_allclose(np.asarray(g), w, rtol=1e-10, atol=1e-12)


def test_vjp_and_jvp_agree_and_stay_lazy():
    w, X, y = data()
    dw, dX, dy = chunked(w, 1), chunked(X), chunked(y)
    want = srcdiff.grad(logistic)(w, X, y)
    with no_compute():
        value, pullback = srcdiff.vjp(logistic)(dw, dX, dy)
        got = pullback(1.0)
    assert isinstance(value, da.Array)
    assert_lazy_equal(got, want)
    tangent = np.linspace(-1.0, 1.0, w.size)
    with no_compute():
        value, dot = srcdiff.jvp(logistic, (dw, dX, dy), chunked(tangent, 1), wrt=0)
    assert isinstance(dot, da.Array) and dot.shape == ()
    assert float(dot.compute()) == pytest.approx(float(want @ tangent), rel=1e-12)
    with no_compute():
        forward = srcdiff.grad(logistic, mode="forward")(dw, dX, dy)
    assert_lazy_equal(forward, want)


def test_gradient_with_respect_to_data_is_chunked_like_it():
    w, X, y = data(n=30)
    dX = chunked(X, 7)
    with no_compute():
        g = srcdiff.grad(logistic, wrt=1)(w, dX, chunked(y, 7))
    assert g.chunks[0] == dX.chunks[0]
    assert_lazy_equal(g, srcdiff.grad(logistic, wrt=1)(w, X, y))


def test_specializations_are_keyed_by_type_shape_and_dtype():
    g = srcdiff.grad(logistic)
    w, X, y = data(n=20)
    for n in (20, 33):  # a second shape: its own code (the mean's 1/n differs)
        w, X, y = data(n=n)
        assert_lazy_equal(g(w, chunked(X), chunked(y)), srcdiff.grad(logistic)(w, X, y))
    w32, X32, y32 = (a.astype(np.float32) for a in data(n=20))
    got = g(chunked(w32), chunked(X32), chunked(y32))
    assert isinstance(got, da.Array) and got.dtype == np.float32
    np.testing.assert_allclose(got.compute(), srcdiff.grad(logistic)(w32, X32, y32), rtol=1e-5)
    assert isinstance(g(*data(n=20)), np.ndarray)  # NumPy arguments still get NumPy code and results
    assert "dask" in srcdiff.backend.targets.known() and DASK.out_buffers is False


def test_the_dask_code_has_no_out_buffers():
    def big(x):
        return np.sum(np.sin(np.exp(x) * 2.0 + x) ** 2)
    x = np.linspace(0.0, 1.0, 100_000)
    source = srcdiff.grad(big).source_for(chunked(x))
    assert "out=" not in source
    got = srcdiff.grad(big)(chunked(x))
    np.testing.assert_allclose(got.compute(), srcdiff.grad(big)(x), rtol=1e-12)


def test_the_callers_dask_array_is_not_written():
    def scaled(x):
        x[0] = x[0] * 3.0
        return np.sum(x ** 2)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    dx = chunked(x, 1)
    got = srcdiff.grad(scaled)(dx)
    np.testing.assert_allclose(dx.compute(), x)
    np.testing.assert_allclose(got.compute(), srcdiff.grad(scaled)(x.copy()))


def branchy(x):
    if np.sum(x) > 0:
        return np.sum(x ** 2)
    return np.sum(x)


def sorted_squares(x):
    return np.sum(np.sort(x) ** 2)


def fancy_pick(x, idx):
    return np.sum(x[idx] ** 2)


def test_refusals_name_what_dask_lacks_and_the_line():
    x = chunked(np.linspace(0.1, 1.0, 6))
    with pytest.raises(DuckArrayError, match=r"(?s)test_dask_arrays.py:\d+: this statement .*needs the value of a "
                                             r"Dask array.*if np.sum\(x\) > 0"):
        srcdiff.grad(branchy)(x)
    with pytest.raises(DuckArrayError, match=r"(?s)Dask does not implement numpy.sort.*np.sort\(x\)"):
        srcdiff.grad(sorted_squares)(x)
    with pytest.raises(DuckArrayError, match=r"numpy.add.at"):
        srcdiff.grad(fancy_pick)(x, np.array([0, 2, 2]))
    np.testing.assert_allclose(srcdiff.grad(fancy_pick)(x.compute(), np.array([0, 2, 2])),
                               [0.2, 0, 2 * 2 * x[2].compute(), 0, 0, 0])


def test_integer_dask_array_is_refused():
    with pytest.raises(ArgumentError, match="dtype int64.*astype"):
        srcdiff.grad(sorted_squares)(da.arange(4, chunks=2))


def test_keyword_dask_arguments_are_keyed_by_shape():
    g = srcdiff.grad(logistic)
    for n in (20, 33):
        w, X, y = data(n=n)
        got = g(chunked(w), X=chunked(X), y=chunked(y))
        assert_lazy_equal(got, srcdiff.grad(logistic)(w, X, y))


def test_hvp_and_hessian_with_dask_arguments_stay_lazy_and_equal_numpy():
    rng = np.random.default_rng(3)
    w, X, y, v = rng.normal(size=4), rng.normal(size=(9, 4)), (rng.random(9) > 0.5) * 1.0, rng.normal(size=4)
    wd, Xd, yd, vd = chunked(w, 2), chunked(X), chunked(y), chunked(v, 1)
    with no_compute():
        got_hvp = srcdiff.hvp(logistic)(wd, Xd, yd, vd)
        got_hessian = srcdiff.hessian(logistic)(wd, Xd, yd)
    want_hessian = srcdiff.hessian(logistic)(w, X, y)
    assert_lazy_equal(got_hvp, srcdiff.hvp(logistic)(w, X, y, v))
    assert_lazy_equal(got_hessian, want_hessian)
    h = 1e-6  # and the Hessian is the derivative of the gradient
    columns = [(srcdiff.grad(logistic)(w + h * e, X, y) - srcdiff.grad(logistic)(w - h * e, X, y)) / (2 * h)
               for e in np.eye(4)]
    np.testing.assert_allclose(want_hessian, np.stack(columns, axis=-1), rtol=1e-6, atol=1e-8)
