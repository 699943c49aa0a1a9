"""backend="numba" tapes: one typed tape per recorded value (preallocated arrays where the trip count
is known, grown arrays in while loops, never None), recorded writes into arrays, vjp with tapes."""
import numpy as np
import pytest

import srcdiff
from srcdiff.errors import SrcdiffError
from tests.support.differences import central_grad

pytest.importorskip("numba")


def central(f, args, pos, eps=1e-6):
    """Central differences of scalar ``f`` (its output summed) with respect to argument ``pos``."""
    return central_grad(lambda *a: np.sum(f(*a)), args, pos, eps)


def rnn(W, h0, n):  # an array recorded per step, its shape known: a (steps, 3) tape
    h = h0
    for t in range(n):
        h = np.tanh(W @ h + 0.1)
    return np.sum(h * h)


def growing(x, h):  # a while loop: its tapes grow past their first capacity
    while x < 30.0:
        h = np.sin(h + 0.1 * x)
        x = x * 1.5 + np.cos(x)
    return x + np.sum(h)


def nested(x, n, m):
    s = 0.0
    for i in range(n):
        for j in range(m):
            s = np.sin(s * x + j) + i * x
    return s


def overwrite(x, n):  # a write into an array, recorded each step
    y = x.copy()
    for i in range(n):
        y[0] = np.sin(y[0]) * y[1]
    return np.sum(y)


def rows(x, n):  # rows and items of a matrix written in a loop
    y = np.zeros((n, 3)) + x
    for i in range(1, n):
        y[i] = np.sin(y[i - 1]) + x
        y[i, 0] = y[i, 1] * y[i, 2]
    return np.sum(y * y)


W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.7]])
CASES = [
    (rnn, (W, np.array([0.3, -0.2, 0.5]), 6), 1),
    (rnn, (W, np.array([0.3, -0.2, 0.5]), 6), 0),
    (growing, (1.0, np.array([0.2, 0.4])), 0),
    (growing, (1.0, np.array([0.2, 0.4])), 1),
    (nested, (0.3, 4, 3), 0),
    (overwrite, (np.array([0.5, 0.7]), 3), 0),
    (rows, (np.array([0.5, 0.7, 0.2]), 4), 0),
]


@pytest.mark.parametrize("fun, args, pos", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_typed_tapes_agree_with_numpy_and_central_differences(fun, args, pos):
    got = srcdiff.grad(fun, wrt=pos, backend="numba")(*args)
    np.testing.assert_allclose(got, srcdiff.grad(fun, wrt=pos)(*args), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(got, central(fun, args, pos), rtol=1e-6, atol=1e-7)


def test_the_tapes_are_arrays_preallocated_or_grown_never_none():
    g = srcdiff.grad(rnn, wrt=1, backend="numba")
    g(W, np.ones(3), 4)
    assert "tape_h = np.empty((len(range(n)), 3))" in g.source and "tape_h[top_h] = h" in g.source
    assert "None" not in g.source and ".pop(" not in g.source and ".append(" not in g.source
    grown = srcdiff.grad(growing, wrt=1, backend="numba")
    grown(1.0, np.ones(2))
    assert " = np.empty((0, 2))" in grown.source and "np.concatenate(" in grown.source
    assert "np.empty(0, np.bool_)" in grown.source and "None" not in grown.source
    written = srcdiff.grad(overwrite, backend="numba")
    written(np.array([0.5, 0.7]), 3)
    assert "None" not in written.source and "y[0] = tape_y_part" in written.source


def test_vjp_with_tapes_and_writes_into_arrays():
    def final_row(x, n):
        y = np.zeros((n, 3)) + x
        for i in range(1, n):
            y[i, 0] = y[i, 1] * y[i - 1, 2] + np.sin(y[i - 1, 0])
        return y[-1]

    x = np.array([0.5, 0.7, 0.2])
    value, pullback = srcdiff.vjp(final_row, x, 5, wrt=0, backend="numba")
    expected_value, expected = srcdiff.vjp(final_row, x, 5, wrt=0)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12)
    ct = np.array([0.3, -1.0, 2.0])
    first = pullback(ct)
    np.testing.assert_allclose(first, expected(ct), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(pullback(ct), first, rtol=0, atol=0)  # the tapes can be read again
    np.testing.assert_allclose(first, central(lambda x: final_row(x, 5) @ ct, (x,), 0), rtol=1e-6, atol=1e-7)
    args = (1.0, 0.1, 1.0, 0.0, 30)
    value, pullback = srcdiff.vjp(nested_euler, *args, wrt=(0, 1), backend="numba")
    _, expected = srcdiff.vjp(nested_euler, *args, wrt=(0, 1))
    np.testing.assert_allclose(pullback(0.5), expected(0.5), rtol=1e-10)


def nested_euler(k, c, x0, v0, n):
    x = x0
    v = v0
    for i in range(n):
        a = -k * x - c * v
        v = v + 0.01 * a
        x = x + 0.01 * v
    return x * x + v


def test_a_write_into_a_dict_in_a_loop_is_still_refused():
    def into_dict(x, n):
        d = {"a": x}
        for i in range(n):
            d["a"] = np.sin(d["a"]) * x
        return d["a"]

    with pytest.raises(SrcdiffError):
        srcdiff.grad(into_dict, backend="numba")(0.5, 3)
