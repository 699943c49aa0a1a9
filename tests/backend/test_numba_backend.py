"""backend="numba": generated code compiled with numba.njit gives the NumPy backend's derivatives;
what it cannot compile is refused naming the user's line (skipped without Numba)."""
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff.backend import targets
from srcdiff.errors import ArgumentError, SrcdiffError
from tests.support.differences import central_grad


def test_without_numba_the_backend_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # ``import numba`` raises ImportError
    monkeypatch.setattr(targets, "_KNOWN", {"numpy": targets.NUMPY})
    with pytest.raises(ArgumentError) as info:
        srcdiff.grad(lambda x: x * x, backend="numba")
    assert 'pip install "srcdiff[numba]"' in str(info.value)


numba = pytest.importorskip("numba")


def euler(k, c, x0, v0, n):
    x = x0
    v = v0
    dt = 0.01
    for i in range(n):
        a = -k * x - c * v
        v = v + dt * a
        x = x + dt * v
    return x * x + v


def growing(x):
    while x < 10.0:
        x = x * 1.5 + np.cos(x)
    return x


def breaking(x, n):
    for i in range(n):
        if x > 5.0:
            break
        x = x * 1.3 + np.sin(x)
    return x


def nested(x, n, m):
    s = 0.0
    for i in range(n):
        for j in range(m):
            s = np.sin(s * x + j) + i * x
    return s


def stepped(x, n):
    s = 0.0
    for i in range(2, n, 3):
        s = s + np.sin(s + x * i)
    for j in range(n, 0, -2):
        s = s * np.cos(x + j)
    return s


def rnn(W, U, xs, h0, n):
    h = h0
    for t in range(n):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h * h)


def elementwise(x, w, n):
    for i in range(n):
        x = np.tanh(x * w + 0.1)
    return np.sum(x * x)


def columns(X, b):
    return np.sum(np.sum(np.sin(X) + b, axis=0) ** 2)


def searched(x, threshold):
    for i in range(len(x)):
        if x[i] > threshold:
            found = x[i] * 2.0
            break
    else:
        found = np.sum(x) / len(x)
    return found ** 2


def helpers_used(x, y, idx):
    s = np.sum(np.log(x) * np.abs(y))  # strong_div, abs_adjoint
    s = s + np.sum(np.maximum(x, y) ** 1.5)  # pick_weight, power_partial
    s = s + np.sum(x[idx] * y[idx])  # add_at with repeated indices
    for row in np.outer(x, y):  # as_sequence
        s = s + np.sum(np.sqrt(row * row + 1.0))
    return s


RNG = np.random.default_rng(3)
RNN = (RNG.normal(size=(4, 4)) * 0.4, RNG.normal(size=(4, 3)), RNG.normal(size=(6, 3)), RNG.normal(size=4), 6)
CASES = [
    (euler, (1.0, 0.1, 1.0, 0.0, 200), 0),
    (euler, (1.0, 0.1, 1.0, 0.0, 200), 1),
    (growing, (1.0,), 0),
    (breaking, (0.5, 20), 0),
    (breaking, (0.5, 2), 0),
    (nested, (0.3, 4, 3), 0),
    (stepped, (0.4, 11), 0),
    (rnn, RNN, 0),
    (rnn, RNN, 1),
    (elementwise, (np.linspace(0.0, 1.0, 4), 0.7, 5), 0),
    (elementwise, (np.linspace(0.0, 1.0, 4), 0.7, 5), 1),
    (columns, (RNG.normal(size=(3, 2)), RNG.normal(size=2)), 0),
    (searched, (np.array([0.1, 0.9, 0.3]), 0.5), 0),
    (searched, (np.array([0.1, 0.2, 0.3]), 0.5), 0),
    (helpers_used, (np.array([0.5, 1.5, 2.0]), np.array([-1.0, 2.5, 0.7]), np.array([0, 2, 2])), 0),
    (helpers_used, (np.array([0.5, 1.5, 2.0]), np.array([-1.0, 2.5, 0.7]), np.array([0, 2, 2])), 1),
]


@pytest.mark.parametrize("fun, args, pos", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_numba_gradients_match_finite_differences_and_numpy(fun, args, pos):
    g = srcdiff.grad(fun, wrt=pos, backend="numba")
    got = g(*args)
    np.testing.assert_allclose(got, central_grad(fun, args, pos), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, srcdiff.grad(fun, wrt=pos)(*args), rtol=1e-12, atol=1e-14)


def test_the_code_is_compiled_with_typed_tapes():
    g = srcdiff.grad(euler, wrt=(0, 1), backend="numba")
    g(1.0, 0.1, 1.0, 0.0, 200)
    source = g.source
    assert "tape_x = np.empty(len(range(n)))" in source and "tape_x[top_x] = x" in source
    assert "range(n - 1, -1, -1)" in source and "None" not in source and ".pop(" not in source
    compiled = g.functions_for((1.0, 0.1, 1.0, 0.0, 200), {})["grad"]
    assert isinstance(compiled.__wrapped__, numba.core.registry.CPUDispatcher)
    assert compiled.__wrapped__.signatures  # compiled for the call above
    grown = srcdiff.grad(growing, backend="numba")
    grown(1.0)
    assert "tape_x = np.empty(0)" in grown.source and "np.concatenate(" in grown.source


def test_value_and_grad_vjp_and_forward():
    args = (1.0, 0.1, 1.0, 0.0, 200)
    assert srcdiff.value_and_grad(euler, wrt=(0, 1), backend="numba")(*args) == \
        srcdiff.value_and_grad(euler, wrt=(0, 1))(*args)
    tangent = srcdiff.forward(euler, wrt=0, backend="numba")(*args, t_k=1.0)
    np.testing.assert_allclose(tangent, srcdiff.forward(euler, wrt=0)(*args, t_k=1.0), rtol=1e-12)
    np.testing.assert_allclose(tangent[1], srcdiff.grad(euler, backend="numba")(*args), rtol=1e-12)
    x = np.linspace(0.0, 1.0, 5)
    value, pullback = srcdiff.vjp(columns, x.reshape(5, 1), x[:1], backend="numba")
    expected_value, expected = srcdiff.vjp(columns, x.reshape(5, 1), x[:1])
    assert value == expected_value
    for a, b in zip(pullback(1.0), expected(1.0)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


SCALE = 2.0


def scaled(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) * SCALE
    return s


def test_a_rebound_global_recompiles():
    global SCALE
    g = srcdiff.grad(scaled, backend="numba")
    first = g(0.3, 4)
    assert first == srcdiff.grad(scaled)(0.3, 4)
    try:
        SCALE = 3.0
        assert g(0.3, 4) == srcdiff.grad(scaled)(0.3, 4) != first
    finally:
        SCALE = 2.0


def step(h, w):
    return np.sin(h * w)


def with_callee(x, w):
    for t in range(3):
        x = step(x, w)
    return np.sum(x)


def twice(h, w):
    return step(h, w) * step(w, h)


def nested_callees(x, w, n):
    s = 0.0
    for t in range(n):
        s = s + twice(x, w) * t
    return s


def test_the_users_callees_are_compiled_too():
    args = (np.linspace(0.0, 1.0, 3), 0.8)
    g = srcdiff.grad(with_callee, wrt=(0, 1), backend="numba")
    got = g(*args)
    expected = srcdiff.grad(with_callee, wrt=(0, 1))(*args)
    for a, b, pos in zip(got, expected, (0, 1)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a, central_grad(with_callee, args, pos), rtol=1e-6, atol=1e-8)
    assert "step(" not in g.source.replace("# x = step(x, w)", "") and "np.sin(" in g.source
    args = (0.3, 0.9, 4)
    for pos in (0, 1):
        got = srcdiff.grad(nested_callees, wrt=pos, backend="numba")(*args)
        np.testing.assert_allclose(got, srcdiff.grad(nested_callees, wrt=pos)(*args), rtol=1e-12)
        np.testing.assert_allclose(got, central_grad(nested_callees, args, pos), rtol=1e-6)
    tangent = srcdiff.forward(nested_callees, wrt=0, backend="numba")(*args, t_x=1.0)
    np.testing.assert_allclose(tangent, srcdiff.forward(nested_callees, wrt=0)(*args, t_x=1.0), rtol=1e-12)


def rounded(x):
    return np.sin(x) * 3.0


def uses_rounded(x, n):
    s = 0.0
    for i in range(n):
        s = s + rounded(x) * x
    return s


def test_a_callee_with_its_own_rule_is_not_written_out():
    srcdiff.nondifferentiable(rounded)
    try:
        expected = srcdiff.grad(uses_rounded)(0.4, 3)
        try:
            got = srcdiff.grad(uses_rounded, backend="numba")(0.4, 3)
        except targets.BackendError as e:
            assert "rounded(x)" in str(e)
        else:
            assert got == expected
    finally:
        from srcdiff.rules import registry
        registry.remove(rounded)


def stacked(x):
    y = np.stack([np.outer(x, x) * k for k in range(1, 3)], axis=1)
    return np.sum(y * y)


def flipped(x):
    y = np.sin(x)
    return np.sum(np.flip(y) * x)


def product(x):
    return np.prod(np.sin(x))


def test_what_numba_cannot_compile_is_refused_at_the_users_line():
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(flipped, backend="numba")(np.linspace(0.0, 1.0, 3))
    message = str(info.value)
    assert type(info.value).__name__ == "NumbaCompileError" and "Numba says: No implementation of function" in message
    assert "return np.sum(np.flip(y) * x)" in message and ":%d:" % (flipped.__code__.co_firstlineno + 2) in message
    assert "backend='numpy'" in message
    with pytest.raises(targets.MissingHelperError) as info:
        srcdiff.grad(product, backend="numba")(np.ones(3))
    assert "no runtime helper prod_partials" in str(info.value) and "np.prod(np.sin(x))" in str(info.value)
    with pytest.raises(SrcdiffError) as info:  # a list of matrices stacked along the middle axis
        srcdiff.grad(stacked, backend="numba")(np.ones(3))
    assert "np.stack([np.outer(x, x) * k for k in range(1, 3)], axis=1)" in str(info.value)


@pytest.mark.parametrize("fun", [flipped, stacked], ids=lambda f: f.__name__)
def test_fallback_numpy_warns_and_uses_the_numpy_backend(fun):
    x = np.linspace(0.1, 1.0, 3)
    for make in (srcdiff.grad, srcdiff.value_and_grad):
        t = make(fun, backend="numba", fallback="numpy")
        with pytest.warns(targets.FallbackWarning, match="backend='numba' could not make the derivative of %s"
                          % fun.__name__) as record:
            got = t(x)
        assert record[0].filename == __file__  # the warning points at the user's call
        assert t.target is targets.NUMPY
        np.testing.assert_allclose(got[-1] if make is srcdiff.value_and_grad else got, srcdiff.grad(fun)(x),
                                   rtol=1e-12)
    t = srcdiff.forward(fun, backend="numba", fallback="numpy")
    with pytest.warns(targets.FallbackWarning):
        np.testing.assert_allclose(t(x, t_x=x)[1], srcdiff.forward(fun)(x, t_x=x)[1], rtol=1e-12)
    with pytest.warns(targets.FallbackWarning):  # when the forward or the backward code is compiled
        value, pullback = srcdiff.vjp(fun, x, backend="numba", fallback="numpy")
        np.testing.assert_allclose(pullback(1.0)[0], srcdiff.grad(fun)(x), rtol=1e-12)
    with pytest.raises(ArgumentError, match="fallback='numpy'"):
        srcdiff.grad(fun, backend="numba", fallback="python")


def test_fallback_leaves_what_numba_compiles_compiled():
    g = srcdiff.grad(euler, backend="numba", fallback="numpy")
    assert g(1.0, 0.1, 1.0, 0.0, 20) == srcdiff.grad(euler, backend="numba")(1.0, 0.1, 1.0, 0.0, 20)
    assert g.target.name == "numba" and g.target.fallback == "numpy"


def test_a_pickled_numba_gradient_keeps_its_backend():
    import pickle
    g = pickle.loads(pickle.dumps(srcdiff.grad(euler, wrt=(0, 1), backend="numba")))
    assert g.target.name == "numba"
    assert g(1.0, 0.1, 1.0, 0.0, 50) == srcdiff.grad(euler, wrt=(0, 1))(1.0, 0.1, 1.0, 0.0, 50)
    assert "tape_x = np.empty(" in g.source
