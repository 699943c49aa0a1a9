"""The backend seam (backend/targets.py): a second, test-only target generates different code that
still computes the right derivatives; ``backend=`` accepts known targets only."""
import dataclasses

import numpy as np
import pytest

import srcdiff
from srcdiff.backend import targets
from srcdiff.errors import ArgumentError, SrcdiffError
from srcdiff.optimize import reuse
from tests.support.differences import central_grad

# what a compiled backend such as Numba needs: no ``out=``, slots of a preallocated tape instead of
# appends and pops, explicit descending ranges, functions instead of methods
PLAIN = targets.Target("plain", tape="indexed", out_buffers=False, method_style=False, reversed_ranges=False,
                       lean_runner=False)


@pytest.fixture(autouse=True)
def _registered():
    targets.register(PLAIN)
    yield
    targets.unregister("plain")


def euler(x, n):
    for i in range(n):
        x = x + 0.1 * np.sin(x) * i
    return x


def stepped(x, n):
    s = 0.0
    for i in range(2, n, 3):
        s = s + np.sin(s + x * i)
    for j in range(n, 0, -2):
        s = s * np.cos(x + j)
    return s


def shifted(x, a, b):
    s = x
    for i in range(a, b):
        s = np.sin(s) * i
    return s


def breaking(x, n):
    for i in range(n):
        if x > 5.0:
            break
        x = x * 1.3 + np.sin(x)
    return x


def growing(x):
    while x < 10.0:
        x = x * 1.5 + np.cos(x)
    return x


def layer(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(h * h)


def rnn(W, x, n):
    h = x
    for t in range(n):
        h = np.tanh(W @ h)
    return np.sum(h)


def step(h, w):
    return np.sin(h * w)


def with_callee(x, w):
    for t in range(3):
        x = step(x, w)
    return np.sum(x)


def big(x, y):
    a = np.exp(-x * x)
    b = a * 2.0 + y
    return np.sum(np.sin(b) * b)


RNG = np.random.default_rng(5)
CASES = [
    (euler, (0.7, 6), 0),
    (stepped, (0.4, 11), 0),
    (stepped, (0.4, 1), 0),
    (shifted, (0.3, 2, 6), 0),
    (shifted, (0.3, 6, 2), 0),  # an empty range: the descending one is empty too
    (breaking, (0.5, 20), 0),
    (breaking, (0.5, 2), 0),
    (growing, (1.0,), 0),
    (layer, (RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=(5, 4))), 0),
    (layer, (RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=(5, 4))), 1),
    (rnn, (RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3), 4), 0),
    (rnn, (RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3), 4), 1),
    (with_callee, (RNG.normal(size=3), 0.8), 0),
    (with_callee, (RNG.normal(size=3), 0.8), 1),
]


@pytest.mark.parametrize("fun, args, pos", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_plain_target_gradients_match_finite_differences(fun, args, pos):
    g = srcdiff.grad(fun, wrt=pos, backend="plain")
    np.testing.assert_allclose(g(*args), central_grad(fun, args, pos), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g(*args), srcdiff.grad(fun, wrt=pos)(*args), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("fun, args, pos", CASES[:8], ids=lambda c: getattr(c, "__name__", ""))
def test_plain_target_vjp_and_forward_agree_with_numpy(fun, args, pos):
    value, pullback = srcdiff.vjp(fun, wrt=pos, backend="plain")(*args)
    assert value == fun(*args)
    assert np.allclose(pullback(1.0), srcdiff.grad(fun, wrt=pos)(*args), rtol=1e-12)
    tangent = srcdiff.forward(fun, wrt=pos, backend="plain")
    _, t = tangent(*args, **{tangent.tangent_params[0]: 1.0})
    assert np.allclose(t, central_grad(fun, args, pos), rtol=1e-6, atol=1e-8)


def test_plain_target_writes_other_code():
    g = srcdiff.grad(euler, backend="plain")
    g(0.7, 6)
    source = g.source
    assert "reversed(" not in source and ".append(" not in source and ".pop(" not in source
    assert "range(n - 1, -1, -1)" in source
    assert "tape = [None] * len(range(n))" in source  # preallocated: the trip count is known
    numpy_source = srcdiff.grad(euler).source_for(0.7, 6)
    assert "reversed(range(n))" in numpy_source and "tape.append(" in numpy_source


def test_plain_target_grows_its_tape_in_while_loops():
    g = srcdiff.grad(growing, backend="plain")
    g(1.0)
    assert "tape = []" in g.source and "len(tape)" in g.source  # one capacity check per push


def test_plain_target_writes_functions_not_methods():
    args = (RNG.normal(size=(4, 3)), RNG.normal(size=3), RNG.normal(size=(5, 4)))
    numpy_source = srcdiff.grad(layer, wrt=1).source_for(*args)
    plain_source = srcdiff.grad(layer, wrt=1, backend="plain").source_for(*args)
    assert ".sum(axis=0)" in numpy_source
    assert "d_t2.sum(" not in plain_source and "np.sum(d_t2, axis=0)" in plain_source


def test_plain_target_uses_no_out_buffers():
    n = int(np.sqrt(reuse.LARGE)) + 1
    x, y = RNG.normal(size=(n, n)), RNG.normal(size=(n, n))
    assert "out=" in srcdiff.grad(big).source_for(x, y)
    g = srcdiff.grad(big, backend="plain")
    assert "out=" not in g.source_for(x, y) and "spare" not in g.source_for(x, y)
    np.testing.assert_allclose(g(x, y), srcdiff.grad(big)(x, y), rtol=1e-12)


def test_targets_have_their_own_cache_entries():
    numpy_first = srcdiff.grad(euler).source_for(0.7, 6)
    plain = srcdiff.grad(euler, backend="plain").source_for(0.7, 6)
    assert plain != numpy_first == srcdiff.grad(euler).source_for(0.7, 6)


def test_backend_accepts_known_targets_only():
    assert srcdiff.grad(euler, backend="numpy")(0.7, 2) == srcdiff.grad(euler)(0.7, 2)
    assert srcdiff.value_and_grad(euler, backend="numpy")(0.7, 2) == srcdiff.value_and_grad(euler)(0.7, 2)
    for make in (srcdiff.grad, srcdiff.value_and_grad, srcdiff.vjp, srcdiff.forward):
        with pytest.raises(ArgumentError) as info:
            make(euler, backend="cupy")
        assert "backend='cupy' is not a known backend" in str(info.value)
        assert "'numpy'" in str(info.value) and "'plain'" in str(info.value)
    with pytest.raises(ArgumentError):
        srcdiff.grad(euler, mode="forward", backend="nope")


def test_a_missing_helper_is_refused_naming_it():
    pytest.importorskip("scipy")  # the plain target lists every runtime helper, SciPy's kernels too
    lacking = PLAIN.without("matmul_rhs", name="lacking")
    W, x = RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3)
    with pytest.raises(targets.MissingHelperError) as info:
        srcdiff.grad(rnn, wrt=0, backend=lacking)(W, x, 4)
    message = str(info.value)
    assert "'lacking' backend has no runtime helper matmul_rhs" in message
    assert "h = np.tanh(W @ h)" in message and "test_targets.py:%d" % (rnn.__code__.co_firstlineno + 3) in message
    assert isinstance(info.value, SrcdiffError)
    # code that needs none of the missing helpers is generated as usual
    assert srcdiff.grad(euler, backend=lacking)(0.7, 6) == srcdiff.grad(euler)(0.7, 6)


def test_a_missing_batched_sum_falls_back_to_step_by_step_accumulation():
    pytest.importorskip("scipy")  # the plain target lists every runtime helper, SciPy's kernels too
    unbatched = PLAIN.without("matmul_lhs_sum", name="unbatched")
    W, x = RNG.normal(size=(3, 3)) * 0.5, RNG.normal(size=3)
    g = srcdiff.grad(rnn, wrt=0, backend=unbatched)
    np.testing.assert_allclose(g(W, x, 4), central_grad(rnn, (W, x, 4), 0), rtol=1e-6, atol=1e-8)
    assert "matmul_lhs_sum" not in g.source and "matmul_lhs(" in g.source
    assert "matmul_lhs_sum" in srcdiff.grad(rnn, wrt=0, backend="plain").source_for(W, x, 4)


SCALE = 2.0


def scaled(x):
    return np.sum(np.sin(x) * SCALE)


def test_frozen_globals_are_rebuilt_when_rebound():
    global SCALE
    frozen = dataclasses.replace(PLAIN, name="frozen", live_globals=False)
    g = srcdiff.grad(scaled, backend=frozen)
    x = RNG.normal(size=4)
    np.testing.assert_allclose(g(x), 2.0 * np.cos(x))
    try:
        SCALE = 3.0
        np.testing.assert_allclose(g(x), 3.0 * np.cos(x))  # rebinding the global makes new code
    finally:
        SCALE = 2.0


def test_code_of_another_target_is_not_differentiated_again():
    inner = srcdiff.grad(euler, backend="plain")
    with pytest.raises(srcdiff.errors.NonDifferentiableError) as info:
        srcdiff.grad(inner)(0.7, 6)
    assert "only code generated for backend='numpy'" in str(info.value) and "backend='plain'" in str(info.value)
