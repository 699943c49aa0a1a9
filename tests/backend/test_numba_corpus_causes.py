"""backend="numba" on the constructs the test corpus refused for want of Numba versions: reductions
over an axis or with keepdims, points and masks read out of arrays, callees from other modules,
list adjoints and more kernels. Each agrees with the NumPy backend to 1e-10 and with central
differences (skipped without Numba; one compile per test)."""
import numpy as np
import pytest

import srcdiff
from srcdiff.errors import SrcdiffError
from tests.support.differences import central_grad
from tests.data.corpus_helpers import huber, softplus

pytest.importorskip("numba")


def central(f, args, pos, eps=1e-6):
    return central_grad(f, tuple(args), pos, eps)


def agrees(f, args, wrt):
    """The Numba gradient equals the NumPy backend's to 1e-10, and central differences."""
    want = srcdiff.grad(f, wrt=wrt)(*args)
    got = srcdiff.grad(f, wrt=wrt, backend="numba")(*args)
    want, got = (want, got) if isinstance(wrt, tuple) else ((want,), (got,))
    for k, (a, b) in enumerate(zip(got, want)):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
        pos = list(f.__code__.co_varnames).index((wrt if isinstance(wrt, tuple) else (wrt,))[k])
        np.testing.assert_allclose(a, central(f, args, pos), rtol=1e-5, atol=1e-6)


def reductions(W, X):
    logits = X @ W
    logits = logits - np.max(logits, axis=1, keepdims=True)
    p = np.exp(logits) / np.sum(np.exp(logits), axis=1, keepdims=True)
    top = logits.max(axis=-1, keepdims=True) + np.min(X @ W, axis=0)[0]
    return np.sum(p ** 2) + np.sum(np.std(X @ W, axis=0)) + np.mean(np.mean(W, axis=1)) + np.sum(top)


def test_reductions_over_an_axis_and_with_kept_dims_compile():
    rng = np.random.default_rng(0)
    agrees(reductions, (rng.standard_normal((3, 4)), rng.standard_normal((5, 3))), "W")


def picks_and_masks(x, P, labels):
    n = P.shape[0]
    return np.sum(np.log(P[np.arange(n), labels] ** 2)) + np.sum(x[x > 0] ** 2) + np.mean(x[np.abs(x) > 0.5])


def test_points_with_two_index_arrays_and_boolean_masks_add_up():
    rng = np.random.default_rng(1)
    # label 1 twice: repeated points add up
    agrees(picks_and_masks, (rng.standard_normal(7), rng.standard_normal((4, 3)), np.array([0, 1, 2, 1])),
           ("x", "P"))


def other_module_callees(w, X, y):
    r = X @ w - y
    return np.sum(huber(r, delta=0.5)) + np.mean(softplus(X @ w))


def test_callees_from_other_modules_are_written_out():
    rng = np.random.default_rng(2)
    agrees(other_module_callees, (rng.standard_normal(3), rng.standard_normal((6, 3)), rng.standard_normal(6)), "w")


def kernels(x, y, A):
    return (np.sum(np.cumsum(x) ** 2) + np.trace(A) * x[0] + np.linalg.det(A) + np.linalg.norm(x) * 2.0
            + x.dot(y) + np.dot(A, x).sum())


def test_dot_cumsum_trace_det_and_norm_adjoints():
    rng = np.random.default_rng(3)
    agrees(kernels, (rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((3, 3))), ("x", "y", "A"))


def lists(x, coeffs):
    out = 0.0
    for c in coeffs:
        out = out + c * np.sum(np.cos(c * x))
    rows = np.stack((x * 2.0, np.sin(x)))
    return out + np.sum(sum([x, x * x, rows[1]])) + np.sum(rows ** 2)


def test_list_adjoints_fan_out_unstack_and_owned_lists():
    rng = np.random.default_rng(4)
    agrees(lists, (rng.standard_normal(4), [0.5, -1.25, 2.0]), ("x", "coeffs"))


def test_a_callee_reading_a_global_the_caller_binds_otherwise_stays_a_call_and_is_refused(tmp_path, monkeypatch):
    (tmp_path / "nb_scaled_helper.py").write_text("SCALE = 2.0\n\n\ndef scaled(x):\n    return SCALE * x\n")
    (tmp_path / "nb_scaled_caller.py").write_text(
        "import numpy as np\nfrom nb_scaled_helper import scaled\n\nSCALE = 5.0\n\n\n"
        "def f(x):\n    return np.sum(scaled(x) ** 2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import nb_scaled_caller
    # written out in f, ``SCALE`` would read the caller's 5.0: the call stays a call, which Numba refuses
    with pytest.raises(SrcdiffError):
        srcdiff.grad(nb_scaled_caller.f, backend="numba")(np.ones(3))
    np.testing.assert_allclose(srcdiff.grad(nb_scaled_caller.f)(np.ones(3)), 8.0 * np.ones(3))


def transcendental_layers(w, X):
    h = np.tanh(X * w)  # 2048 elements: NumPy's vectorized loop, through Numba's object mode
    g = np.exp(-h * h) + np.log1p(h * h) + np.sin(np.tanh(X.T)).T  # X.T: a Fortran-ordered argument
    return np.sum(g) + np.sum(np.cos(w) * np.arctan(w))  # 32 elements: Numba's own loop


def test_large_arrays_take_numpys_transcendental_loops_with_the_same_values():
    rng = np.random.default_rng(5)
    args = (rng.standard_normal(32), rng.standard_normal((64, 32)))
    source = srcdiff.grad(transcendental_layers, wrt="w", backend="numba").source_for(*args)
    assert "h = np_tanh(X * w)" in source  # the small MLP's bottleneck (issue 19)
    agrees(transcendental_layers, args, "w")
    agrees(transcendental_layers, args, "X")


def test_numpys_loops_keep_nan_and_infinities():
    x = np.full((40, 40), 0.5)
    x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
    f = lambda x: np.sum(np.tanh(x))  # noqa: E731
    got = srcdiff.grad(f, backend="numba")(x)
    want = srcdiff.grad(f)(x)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[0, 0]) and got[1, 1] == 0.0 and got[2, 2] == 0.0


def stacks(x, y):
    rows = []
    for i in range(3):
        rows.append(x * (i + 1) + np.sin(y))
    columns = np.stack([x ** k for k in range(1, 4)], axis=1)  # a list built when run, along the last axis
    pair = np.stack([x, y * x], axis=-1)  # a display: Numba's own np.stack of a tuple
    return np.sum(np.stack(rows) @ y) + np.sum(columns @ np.array([0.5, -1.0, 0.25])) + np.sum(pair[:, 1] ** 2)


def test_np_stack_of_lists_compiles_along_the_first_and_last_axes():
    rng = np.random.default_rng(6)
    args = (rng.standard_normal(5), rng.standard_normal(5))
    agrees(stacks, args, ("x", "y"))


def stack_of_matrices_along_the_middle(x):
    return np.sum(np.stack([x * k for k in range(3)], axis=1) ** 2)


def test_np_stack_of_a_list_along_another_axis_is_refused():
    with pytest.raises(SrcdiffError, match="could not compile"):
        srcdiff.grad(stack_of_matrices_along_the_middle, backend="numba")(np.ones((2, 3)))


def while_counter_indexes(x):
    total = 0.0
    i = 0
    while i < len(x):
        if x[i] < -1.0:
            break
        total = total + np.sin(x[i]) * x[i]
        i = i + 2 - 1  # still an int: recorded on an int64 tape, read back as an index
    else:
        total = total + 1.0
    return total * x[i - 1]


def test_a_while_loops_int_counter_gets_an_int_tape_and_indexes():
    rng = np.random.default_rng(7)
    x = rng.uniform(-0.9, 0.9, 6)
    source = srcdiff.grad(while_counter_indexes, backend="numba").source_for(x)
    assert "np.empty(0, np.int64)" in source
    agrees(while_counter_indexes, (x,), "x")
    x[3] = -2.0  # the break
    agrees(while_counter_indexes, (x,), "x")


def while_counter_made_float(x):
    total = 0.0
    i = 0
    while i < len(x):
        total = total + x[int(i)] ** 2
        i = i + 1.0  # a float: not an int tape (and Numba then refuses the float index)
    return total


def test_a_counter_that_may_be_a_float_gets_no_int_tape():
    source = srcdiff.grad(while_counter_made_float, backend="numba").source_for(np.ones(3))
    assert "np.int64" not in source


def mean_and_spread(x):
    m = np.mean(x)
    return m, np.mean((x - m) ** 2)


def tuple_adjoints(x, pair):
    m, v = mean_and_spread(x)  # the tuple's adjoint made a list: zeros_like, add_at, floating
    stats = mean_and_spread(x ** 2)
    scale, offset = pair  # a tuple argument: its gradient a list, as the NumPy backend's
    return (m - 1.0) ** 2 + v + stats[0] * stats[1] + scale * np.sum(x) + offset ** 2


def test_adjoints_of_tuples_of_numbers_are_lists_under_numba():
    rng = np.random.default_rng(8)
    args = (rng.standard_normal(5), (0.7, -1.3))
    agrees(tuple_adjoints, args, "x")
    got = srcdiff.grad(tuple_adjoints, wrt="pair", backend="numba")(*args)
    want = srcdiff.grad(tuple_adjoints, wrt="pair")(*args)
    assert type(got) is type(want) and len(got) == 2
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.array(got), central(tuple_adjoints, args, 1), rtol=1e-5, atol=1e-6)
