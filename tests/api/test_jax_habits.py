"""JAX and autograd habits: ``argnums=``, ``vjp(f, *primals)``, ``jvp`` with one tangent per primal,
``functools.partial`` objects, and error messages that never print a whole array."""
import functools

import numpy as np
import pytest

import srcdiff
from tests.support.differences import central_grad


def f(x, y):
    return np.sum(np.sin(x) * y ** 2)


X = np.array([0.3, -1.1, 2.0])
Y = np.array([1.5, 0.5, -2.0])


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), "y"])
def test_argnums_is_wrt(argnums):
    got = srcdiff.grad(f, argnums=argnums)(X, Y)
    positions = {0: [0], 1: [1], "y": [1], (0, 1): [0, 1]}[argnums]
    expected = [central_grad(f, (X, Y), p) for p in positions]
    got = list(got) if isinstance(argnums, tuple) else [got]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    value, g2 = srcdiff.value_and_grad(f, argnums=argnums)(X, Y)
    assert np.isclose(value, f(X, Y))
    for g, e in zip(list(g2) if isinstance(argnums, tuple) else [g2], expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_argnums_everywhere():
    e1 = central_grad(f, (X, Y), 1)
    v = np.array([0.2, -0.4, 1.0])
    np.testing.assert_allclose(srcdiff.jvp(f, (X, Y), v, argnums=1)[1], e1 @ v, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.grad(f, argnums=1, mode="forward")(X, Y), e1, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jacobian(f, argnums=1)(X, Y), e1, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.forward(f, argnums=1)(X, Y, t_y=v)[1], e1 @ v, rtol=1e-6)
    H = srcdiff.hessian(f, argnums=1)(X, Y)
    np.testing.assert_allclose(H, np.diag(2 * np.sin(X)), atol=1e-12)
    np.testing.assert_allclose(srcdiff.hvp(f, argnums=1)(X, Y, v), H @ v, atol=1e-12)
    assert srcdiff.check_grad(f, X, Y, argnums=1).max_rel_error < 1e-6


def test_wrt_and_argnums_together_are_refused():
    with pytest.raises(srcdiff.ArgumentError, match="not both"):
        srcdiff.grad(f, wrt=0, argnums=1)


def test_vjp_in_jax_form():
    value, pullback = srcdiff.vjp(f, X, Y)
    assert np.isclose(value, f(X, Y))
    gx, gy = pullback(2.0)
    np.testing.assert_allclose(gx, 2 * central_grad(f, (X, Y), 0), rtol=1e-6)
    np.testing.assert_allclose(gy, 2 * central_grad(f, (X, Y), 1), rtol=1e-6)
    value, pullback = srcdiff.vjp(np.sin, X) if False else srcdiff.vjp(lambda x: np.sin(x) * 3.0, X)
    (g,) = pullback(np.ones(3))  # one cotangent per primal, in a tuple, as JAX returns it
    np.testing.assert_allclose(g, 3.0 * np.cos(X), rtol=1e-12)
    value, pullback = srcdiff.vjp(f, X, Y, argnums=1)
    np.testing.assert_allclose(pullback(1.0), central_grad(f, (X, Y), 1), rtol=1e-6)


def test_jvp_with_one_tangent_per_primal_needs_no_wrt():
    tx, ty = np.array([1.0, 0.0, -1.0]), np.array([0.5, 0.5, 0.5])
    value, tangent = srcdiff.jvp(f, (X, Y), (tx, ty))
    expected = central_grad(f, (X, Y), 0) @ tx + central_grad(f, (X, Y), 1) @ ty
    assert np.isclose(value, f(X, Y)) and np.isclose(tangent, expected, rtol=1e-6)
    # a single argument in a 1-tuple, as JAX writes it
    assert np.isclose(srcdiff.jvp(lambda x: np.sum(x ** 3), (X,), (tx,))[1], np.sum(3 * X ** 2 * tx))
    # one container argument keeps srcdiff's meaning: its tangent is the container
    pair = (X, Y)
    t = srcdiff.jvp(lambda p: np.sum(p[0] * p[1]), (pair,), (tx, ty))[1]
    assert np.isclose(t, np.sum(tx * Y + X * ty))


def test_a_tangent_error_names_wrt_and_shows_a_call():
    with pytest.raises(srcdiff.ArgumentError) as info:
        srcdiff.jvp(f, (X, Y), (np.ones(3), np.ones(4)))
    message = str(info.value)
    assert "wrt" in message and "srcdiff.jvp(f, (x, y), (tx, ty), wrt=(0, 1))" in message


def loss(w, X, y, lam=0.1):
    return np.sum((X @ w - y) ** 2) + lam * np.sum(w ** 2)


RNG = np.random.default_rng(3)
A, B, W = RNG.standard_normal((5, 3)), RNG.standard_normal(5), RNG.standard_normal(3)


@pytest.mark.parametrize("make, wrt_pos", [
    (lambda: functools.partial(loss, X=A, y=B), 0),
    (lambda: functools.partial(loss, W), 0),  # X is the first remaining parameter
    (lambda: functools.partial(functools.partial(loss, X=A), y=B, lam=0.7), 0),
], ids=["keywords", "positional", "nested"])
def test_partial_objects_are_differentiated(make, wrt_pos):
    p = make()
    args = (W,) if p.args == () else (A, B)
    expected = central_grad(lambda *a: p(*a), args, wrt_pos)
    np.testing.assert_allclose(srcdiff.grad(p)(*args), expected, rtol=1e-6, atol=1e-8)
    value, g = srcdiff.value_and_grad(p)(*args)
    assert np.isclose(value, p(*args))
    t = np.ones_like(args[wrt_pos])
    np.testing.assert_allclose(srcdiff.jvp(p, args, t)[1] if len(args) == 1 else
                               srcdiff.jvp(p, args, t, wrt=0)[1], np.sum(expected * t), rtol=1e-6)


def test_hessian_of_a_partial_and_its_bound_arrays_are_constants():
    H = srcdiff.hessian(functools.partial(loss, X=A, y=B, lam=0.5))(W)
    np.testing.assert_allclose(H, 2 * A.T @ A + np.eye(3), atol=1e-10)


def test_no_message_prints_a_whole_array():
    big = np.arange(10000.0)
    with pytest.raises(srcdiff.ArgumentError) as info:
        srcdiff.grad(big)
    assert "shape (10000,)" in str(info.value) and len(str(info.value)) < 200
