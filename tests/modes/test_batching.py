"""Reverse loops whose per-step matmul and bias adjoints are summed once after the loop (batching.py)."""
import numpy as np
import pytest

import srcdiff

RNG = np.random.default_rng(7)


def rnn(Wh, Wx, b, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + Wx @ xs[t] + b)
    return np.sum(h ** 2)


def batched_rnn(W, U, b, H0, xs):
    # rows are examples: h @ W puts W on the right, so its adjoint is matmul_rhs
    h = H0
    for t in range(len(xs)):
        h = np.tanh(h @ W + xs[t] @ U + b)
    return np.sum(h ** 2)


def ragged(W, xs):
    # W @ x with a different number of columns each step: the sum concatenates the columns
    s = 0.0
    for x in xs:
        s = s + np.sum(np.sin(W @ x))
    return s


def rank_changing(W, h0, n):
    # h starts as a vector and becomes a matrix after the first step: no fast path applies
    h = h0
    for i in range(n):
        h = np.tanh(W @ h) + np.ones((2, 1))
    return np.sum(h)


def written_in_loop(W, xs):
    # the loop writes into an array in place, so nothing in it is gathered for later
    out = np.zeros(len(xs))
    h = np.ones(W.shape[0])
    for t in range(len(xs)):
        h = np.tanh(W @ h + xs[t])
        out[t] = np.sum(h)
    return np.sum(out ** 2)


def rnn_args(T=6, n=4, m=3):
    return (0.5 * RNG.standard_normal((n, n)), RNG.standard_normal((n, m)), RNG.standard_normal(n),
            RNG.standard_normal(n), RNG.standard_normal((T, m)))


def test_rnn_sums_its_weight_gradients_after_the_loop():
    g = srcdiff.grad(rnn, wrt=(0, 1, 2, 3))
    source = g.source
    loop = source[source.index("for t in reversed"):source.index("summed at once")]
    assert "matmul_lhs(" not in loop and "d_b = d_b +" not in loop  # no per-step products or sums
    assert "d_Wh = matmul_lhs_sum(d_Wh_g, Wh, d_Wh_x)" in source
    assert "d_b = unbroadcast_sum(d_b_g, b)" in source
    srcdiff.check_grad(rnn, *rnn_args(), wrt=(0, 1, 2, 3))


def test_rnn_with_no_steps_has_zero_weight_gradients():
    args = rnn_args(T=0)
    dWh, dWx, db, dh0 = srcdiff.grad(rnn, wrt=(0, 1, 2, 3))(*args)
    assert dWh.shape == args[0].shape and not dWh.any()
    assert dWx.shape == args[1].shape and not dWx.any()
    assert db.shape == args[2].shape and not db.any()
    np.testing.assert_allclose(dh0, 2 * args[3])


def test_matrix_on_the_right_and_bias_over_rows():
    W, U, b = 0.4 * RNG.standard_normal((4, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    H0, xs = RNG.standard_normal((5, 4)), RNG.standard_normal((6, 5, 3))
    source = srcdiff.grad(batched_rnn, wrt=(0, 1, 2)).source
    assert "matmul_rhs_sum(" in source and "unbroadcast_sum(" in source
    srcdiff.check_grad(batched_rnn, W, U, b, H0, xs, wrt=(0, 1, 2, 3))


def test_steps_of_different_widths():
    W = RNG.standard_normal((3, 4))
    xs = [RNG.standard_normal((4, k)) for k in (1, 3, 2)]
    assert "matmul_lhs_sum(" in srcdiff.grad(ragged).source
    srcdiff.check_grad(ragged, W, xs)


def test_steps_whose_rank_changes():
    W = 0.5 * RNG.standard_normal((2, 2))
    srcdiff.check_grad(rank_changing, W, RNG.standard_normal(2), 3, wrt=(0, 1))


def test_a_loop_that_writes_in_place_is_left_alone():
    W, xs = 0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal((5, 3))
    source = srcdiff.grad(written_in_loop).source
    assert "_sum(" not in source and "matmul_lhs(" in source
    srcdiff.check_grad(written_in_loop, W, xs)


@pytest.mark.parametrize("mode", ["hvp", "jacobian"])
def test_second_derivatives_through_the_sums(mode):
    """Forward mode over the batched gradient (tangent rules of the sums) against differences of
    gradients."""
    args = rnn_args(T=4, n=3, m=2)
    Wh = args[0]
    grad = srcdiff.grad(rnn, wrt=0)
    v = RNG.standard_normal(Wh.shape)
    eps = 1e-6
    fd = (grad(Wh + eps * v, *args[1:]) - grad(Wh - eps * v, *args[1:])) / (2 * eps)
    if mode == "hvp":
        got = srcdiff.hvp(rnn, wrt=0)(*args, v)
    else:
        H = srcdiff.jacobian(grad, mode="forward")(*args)
        got = np.tensordot(H, v, axes=2)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-8)


def test_vjp_pullback_uses_the_sums_too():
    args = rnn_args()
    value, pullback = srcdiff.vjp(rnn, wrt=(0, 1))(*args)
    dWh, dWx = pullback(1.0)
    ref = srcdiff.grad(rnn, wrt=(0, 1))(*args)
    np.testing.assert_allclose(dWh, ref[0])
    np.testing.assert_allclose(dWx, ref[1])
    assert "matmul_lhs_sum(" in srcdiff.vjp(rnn, wrt=(0, 1)).source
