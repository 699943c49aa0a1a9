"""The public API: argument handling, return types, vjp, has_aux, source, caching, tracebacks."""
import inspect
import io
import threading
import traceback

import numpy as np
import pytest

import srcdiff
from srcdiff.backend import cache


def quadratic(x, w, scale=2.0):
    return scale * np.sum((x * w) ** 2)


def scalar_fn(a, b):
    return a * a * b + np.sin(b)


def vector_out(x):
    return np.sin(x) * 3.0


def with_aux(w, x):
    pred = np.tanh(x @ w)
    return np.mean(pred ** 2), {"pred": pred, "count": len(x)}


def reshapes_badly(x):
    y = np.reshape(x, (7,))
    return np.sum(y)


def test_bare_decorator_and_options():
    x, w = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    g = srcdiff.grad(quadratic)
    np.testing.assert_allclose(g(x, w), 2.0 * 2 * x * w * w)
    g_w = srcdiff.grad(wrt="w")(quadratic)
    np.testing.assert_allclose(g_w(x, w), 2.0 * 2 * w * x * x)
    gx, gw = srcdiff.grad(quadratic, wrt=(0, "w"))(x, w)
    np.testing.assert_allclose(gx, 4 * x * w * w)
    np.testing.assert_allclose(gw, 4 * w * x * x)
    np.testing.assert_allclose(srcdiff.grad(quadratic, wrt=-2)(x, w), 4 * w * x * x)  # -2 is `w`


def test_keyword_and_default_arguments():
    x, w = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    g = srcdiff.grad(quadratic, wrt=("x", "scale"))
    gx, gs = g(x, w=w, scale=3.0)
    np.testing.assert_allclose(gx, 6 * x * w * w)
    assert isinstance(gs, float) and gs == pytest.approx(np.sum((x * w) ** 2))


def test_float_arguments_give_float_gradients():
    ga, gb = srcdiff.grad(scalar_fn, wrt=(0, 1))(1.5, 0.3)
    assert type(ga) is float and type(gb) is float
    assert ga == pytest.approx(2 * 1.5 * 0.3)
    assert gb == pytest.approx(1.5 ** 2 + np.cos(0.3))


def test_gradient_keeps_dtype_and_shape():
    x = np.ones((2, 3), dtype=np.float32)
    g = srcdiff.grad(quadratic)(x, np.float32(2.0) * x)
    assert g.dtype == np.float32 and g.shape == (2, 3)
    zero_d = np.array(1.5)
    g0 = srcdiff.grad(quadratic)(zero_d, np.array(2.0))
    assert isinstance(g0, np.ndarray) and g0.shape == ()


def test_value_and_grad():
    x, w = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    value, grad = srcdiff.value_and_grad(quadratic, wrt=1)(x, w)
    assert value == pytest.approx(quadratic(x, w))
    np.testing.assert_allclose(grad, 4 * w * x * x)


def test_vjp_of_an_array_output():
    x = np.array([0.1, 0.5, 1.0])
    value, pullback = srcdiff.vjp(vector_out)(x)
    np.testing.assert_allclose(value, vector_out(x))
    ct = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(pullback(ct), 3.0 * np.cos(x) * ct)
    with pytest.raises(srcdiff.ArgumentError, match="shape"):
        pullback(np.ones(4))
    source = srcdiff.vjp(vector_out).source
    assert "def vector_out_forward(" in source and "def vector_out_backward(" in source


def test_has_aux():
    w, x = np.array([0.2, -0.1]), np.arange(6.0).reshape(3, 2)
    g, aux = srcdiff.grad(with_aux, has_aux=True)(w, x)
    (loss, aux2), g2 = srcdiff.value_and_grad(with_aux, has_aux=True)(w, x)
    assert aux["count"] == 3 and aux2["count"] == 3
    np.testing.assert_allclose(aux["pred"], np.tanh(x @ w))
    np.testing.assert_allclose(g, g2)
    assert loss == pytest.approx(np.mean(np.tanh(x @ w) ** 2))
    srcdiff.check_grad(lambda_free_loss, w, x)


def lambda_free_loss(w, x):
    return with_aux(w, x)[0]


def test_source_and_show():
    g = srcdiff.grad(quadratic, wrt=1)
    assert "def grad_quadratic(x, w, scale=2.0):" in g.source
    plain = io.StringIO()
    srcdiff.show(g, file=plain)
    assert plain.getvalue() == g.source

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    coloured = Terminal()
    srcdiff.show(g, file=coloured)
    assert "\033[" in coloured.getvalue() and "def" in coloured.getvalue()


def test_stages_show_every_pass():
    names = [name for name, _ in srcdiff.grad(quadratic).stages()]
    assert names[0] == "source" and "normalize" in names and names[-1] == "generated"


def test_transformation_is_cached_and_thread_safe():
    cache.clear()
    x, w = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    results, errors = [], []

    def work():
        try:
            for _ in range(20):
                results.append(srcdiff.grad(quadratic)(x, w))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        np.testing.assert_allclose(r, results[0])
    assert cache.transformations_of(quadratic.__code__) == 1


def test_traceback_shows_generated_line_and_source_is_inspectable():
    g = srcdiff.grad(reshapes_badly)
    with pytest.raises(ValueError) as info:
        g(np.ones(3))
    frames = traceback.extract_tb(info.value.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<srcdiff")]
    assert generated and "np.reshape(x, (7,))" in generated[-1].line
    fn = next(iter(g._variants.values()))["grad"]
    assert "np.reshape(x, (7,))" in inspect.getsource(fn)


def test_check_grad_reports_and_catches_a_wrong_gradient(monkeypatch):
    report = srcdiff.check_grad(quadratic, np.array([1.0, 2.0]), np.array([0.5, 1.0]))
    assert report.max_rel_error < 1e-6 and "comparisons" in str(report)

    class Wrong:
        def __init__(self, fun, wrt=0):
            pass

        def __call__(self, x, w, scale=2.0):
            return np.zeros_like(x) + 1.0
    monkeypatch.setattr(srcdiff.api, "grad", Wrong)
    with pytest.raises(AssertionError, match=r"x\[0\]|x\[1\]"):
        srcdiff.check_grad(quadratic, np.array([1.0, 2.0]), np.array([0.5, 1.0]))


def test_large_input_uses_random_directions():
    x = np.linspace(0.1, 1.0, 500)
    report = srcdiff.check_grad(quadratic, x, np.ones(500))
    assert report.checks == 8 and "direction" in report.worst


# --------------------------------------------------------------------- functions as arguments

def relu(z):
    return np.maximum(z, 0.0)


def activated(x, act=np.tanh):
    return np.sum(act(x) ** 2)


def test_function_arguments_specialize_the_generated_code():
    x = np.array([0.5, -1.0, 2.0])
    g = srcdiff.grad(activated)
    np.testing.assert_allclose(g(x), 2 * np.tanh(x) * (1 - np.tanh(x) ** 2))  # the default
    np.testing.assert_allclose(g(x, relu), 2 * np.maximum(x, 0.0))
    np.testing.assert_allclose(g(x, np.sin), np.sin(2 * x))
    np.testing.assert_allclose(g(x, act=np.sin), np.sin(2 * x))
    assert "relu_backward" in g.source_for(x, relu) and "relu" not in g.source_for(x, np.sin)
    np.testing.assert_allclose(srcdiff.hessian(activated)(x, np.sin), np.diag(2 * np.cos(2 * x)))
    value, tangent = srcdiff.jvp(activated, (x, np.sin), np.ones(3))
    np.testing.assert_allclose(tangent, np.sum(np.sin(2 * x)))


# --------------------------------------------------------------------- global numbers

RATE = 0.1


def uses_global_rate(w):
    return np.sum(w ** 2) * RATE


def test_global_number_is_a_scalar_and_a_new_type_regenerates():
    global RATE
    w = np.array([1.0, 2.0])
    g = srcdiff.grad(uses_global_rate)
    try:
        np.testing.assert_allclose(g(w), 0.2 * w)
        assert "unbroadcast" not in g.source  # a float global needs no broadcasting bookkeeping
        RATE = 0.5  # a new value of the same type: same code, new value
        np.testing.assert_allclose(g(w), w)
        RATE = np.array([0.1, 1.0])  # now the output is an array: grad must refuse, not reuse the code
        with pytest.raises(srcdiff.NonDifferentiableError, match="scalar"):
            g(w)
    finally:
        RATE = 0.1


# --------------------------------------------------------------------- sources and stages

def inner_layer(h, W):
    return np.tanh(h @ W)


def two_layers(W, x):
    return np.sum(inner_layer(inner_layer(x, W), W) ** 2)


def test_sources_include_every_generated_callee():
    W, x = np.eye(2) * 0.5, np.ones(2)
    sources = srcdiff.grad(two_layers).sources(W, x)
    assert list(sources)[0] == "grad_two_layers"
    # two variants of the callee: x is not active in the first call, h is in the second
    assert {"inner_layer_forward", "inner_layer_backward", "inner_layer_forward2",
            "inner_layer_backward2"} <= set(sources)
    for name, text in sources.items():
        defined = text.split("def ", 1)[1].split("(")[0]
        # a second variant keeps its own def name; a comment says what the caller calls it
        assert defined == name or text.startswith("# called as %s\n" % name)
    assert "inner_layer_tangent" in srcdiff.forward(two_layers).sources(W, x)


def test_forward_stages_come_from_the_forward_pipeline():
    stages = srcdiff.forward(two_layers).stages(np.eye(2), np.ones(2))
    names = [name for name, _ in stages]
    assert names[0] == "source" and names[-1] == "generated"
    assert "reverse sweep" not in names
    assert stages[-1][1].startswith("def two_layers_tangent(")
    fg = srcdiff.grad(two_layers, mode="forward")
    assert fg.source_for(np.eye(2), np.ones(2)).startswith("def two_layers_tangent(")
    assert fg.stages()[-1][0] == "generated"


def test_check_grad_report_names_max_relative_error():
    def f(x):
        return np.sum(np.sin(x) * 1e3) + 1e-9 * x[0]  # a tiny component: noise relative to its size
    report = srcdiff.check_grad(f, np.array([0.3, 0.7]))
    assert report.max_rel_error < 1e-6 and report.max_abs_error < 1e-4
    assert report.checks == 2 and "max relative error" in str(report)

    def wrong(x):
        return np.sum(srcdiff.stop_gradient(x) * x)
    with pytest.raises(AssertionError, match=r"worst entry x\[1\]"):
        srcdiff.check_grad(wrong, np.array([0.1, 5.0]))


def large_valued(x):
    return 1e6 * np.sum(x[1:]) + np.sin(x[0])


def large_valued_wrong(x):
    return 1e6 * np.sum(x[1:]) + srcdiff.stop_gradient(x[0]) * x[0]  # the gradient misses half of x0 ** 2


def test_check_grad_tells_rounding_from_a_wrong_gradient_when_values_are_large():
    """|f| of 3e6 puts rounding of up to 3e-4 into a difference quotient with step 2e-6 (8e-5 here,
    where the step alone gave a false mismatch), more than the tolerance of d/dx0 = cos(0.3); a
    wider step has less of it. A wrong entry still fails."""
    x = np.array([0.3, 1.0, 2.0])
    step = 1e-6 * 2.0
    rounding = np.finfo(float).eps * abs(large_valued(x)) / step
    assert rounding > 1e-7 + 1e-5 * np.cos(0.3)  # the case is one where rounding alone could miss
    report = srcdiff.check_grad(large_valued, x)
    assert report.checks == 3 and report.max_rel_error < 1e-5
    with pytest.raises(AssertionError, match=r"worst entry x\[0\]"):
        srcdiff.check_grad(large_valued_wrong, x)


# --------------------------------------------------------------------- copies in forward mode

def writes_into_a_copy(x):
    y = x.copy()
    y[0] = 0.0
    z = x.flatten()
    z[1] = 0.0
    return np.sum(y * x) + np.sum(z * x)


def test_forward_mode_copies_tangents_where_the_primal_copies():
    x = np.array([1.0, 2.0, 3.0])
    t = np.array([1.0, 1.0, 1.0])
    _, tangent = srcdiff.jvp(writes_into_a_copy, (x,), t)
    np.testing.assert_array_equal(t, [1.0, 1.0, 1.0])  # the caller's tangent is untouched
    np.testing.assert_allclose(tangent, np.dot(srcdiff.grad(writes_into_a_copy)(x), t))
    np.testing.assert_allclose(tangent, 2 * (2 + 3) + 2 * (1 + 3))


def test_check_grad_fails_on_a_nan_gradient_where_differences_are_finite():
    def f(x):
        return np.sum(np.maximum(x, 0.0) ** 0.5)  # constant for x < 0, but the chain rule gives inf * 0
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(AssertionError, match="x\\[0\\]"):
        srcdiff.check_grad(f, np.array([-0.5, 0.25]))


def _flat(result):
    """The arrays and numbers in a result of grad or value_and_grad, in order."""
    return [a for item in (result if isinstance(result, tuple) else (result,))
            for a in (item if isinstance(item, tuple) else (item,))]


def test_repeated_calls_on_arrays_check_and_fit_like_the_first():
    """Calls after the first take a lean path for array arguments: the same gradients, types and
    refusals as the first call of every form of ``wrt``."""
    x, w = np.linspace(0.5, 1.5, 3), np.linspace(-1.0, 1.0, 3)
    for transform, wrt in [(srcdiff.grad, 0), (srcdiff.grad, (0,)), (srcdiff.grad, (0, 1)),
                           (srcdiff.value_and_grad, 0), (srcdiff.value_and_grad, (1,)),
                           (srcdiff.value_and_grad, (1, 0))]:
        g = transform(quadratic, wrt=wrt)
        first, second = g(x, w), g(x, w)
        assert type(first) is type(second)
        for a, b in zip(_flat(first), _flat(second)):
            np.testing.assert_array_equal(a, b)
        with pytest.raises(srcdiff.ArgumentError, match="dtype int64"):
            g(np.arange(3), np.arange(3))
        args = (x.astype(np.float32), w)
        g(*args)
        out = g(*args)
        grads = out[1] if transform is srcdiff.value_and_grad else out
        grads = grads if isinstance(grads, tuple) else (grads,)
        positions = wrt if isinstance(wrt, tuple) else (wrt,)
        assert [a.dtype for a in grads] == [args[p].dtype for p in positions], (transform, wrt)


def test_repeated_calls_still_refuse_an_array_output():
    g = srcdiff.grad(vector_out)
    for _ in range(2):
        with pytest.raises(srcdiff.SrcdiffError, match="scalar"):
            g(np.ones(3))


def test_call_key_written_out_per_arity_matches_the_general_one():
    """``call_key`` has one written-out function per number of arguments up to 8: the same key as
    the loop it replaces, for arrays, numbers and containers in every position."""
    from srcdiff.backend.entries import call_key
    values = [np.ones((3, 2)), 1.5, np.float64(2.0), [1.0], np.ones(()), 3, (np.ones(2),)]
    for n in range(12):
        args = tuple(values[(i * 5 + n) % len(values)] for i in range(n))
        assert call_key(args) == tuple([a.shape if type(a) is np.ndarray else type(a) for a in args]), n
