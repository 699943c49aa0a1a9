"""Code specialized to the argument shapes: broadcasting bookkeeping is dropped only where shapes
are known to agree, and every specialization computes the right gradient."""
import numpy as np
import pytest

import srcdiff
from srcdiff import transformed

RNG = np.random.default_rng(3)


def mlp(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - Y) ** 2)


def product(x, y):
    return np.sum(np.sin(x * y))


def mlp_args():
    return (RNG.standard_normal((4, 5)), RNG.standard_normal(5), RNG.standard_normal((5, 2)),
            RNG.standard_normal(2), RNG.standard_normal((6, 4)), RNG.standard_normal((6, 2)))


def test_equal_shapes_need_no_unbroadcast_but_a_bias_does():
    args = mlp_args()
    generic = srcdiff.grad(mlp, wrt=(0, 1, 2, 3)).source  # before any call: code for any shapes
    specialized = srcdiff.grad(mlp, wrt=(0, 1, 2, 3)).source_for(*args)
    # the biases' adjoints are column sums, written out; nothing else needs summing
    assert "d_b2 = d_t4.sum(axis=0)" in specialized and "d_b1 = d_t2.sum(axis=0)" in specialized
    assert "unbroadcast(" not in specialized and "matmul_" not in specialized
    assert generic.count("unbroadcast(") > 2  # without shapes srcdiff cannot tell
    srcdiff.check_grad(mlp, *args, wrt=(0, 1, 2, 3))


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((4,), (3, 4)), ((3, 4), ())])
def test_each_shape_combination_gets_its_own_code(shapes):
    g = srcdiff.grad(product, wrt=(0, 1))
    args = [RNG.standard_normal(s) for s in shapes]
    srcdiff.check_grad(product, *args, wrt=(0, 1))
    dx, dy = g(*args)
    assert dx.shape == args[0].shape and dy.shape == args[1].shape


def test_one_function_called_with_changing_shapes(monkeypatch):
    g = srcdiff.grad(product, wrt=(0, 1))
    calls = [[RNG.standard_normal(s) for s in shapes]
             for shapes in [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((3, 4), (3, 4)), ((2, 4), (4,))]]
    got = [g(*args) for args in calls]
    monkeypatch.setattr(transformed, "MAX_SHAPE_VARIANTS", 0)  # the reference: code for any shape
    generic = srcdiff.grad(product, wrt=(0, 1))
    assert generic.source_for(*calls[0]).count("unbroadcast(") > g.source_for(*calls[0]).count("unbroadcast(")
    for args, (dx, dy) in zip(calls, got):
        rx, ry = generic(*args)
        np.testing.assert_allclose(dx, rx, rtol=1e-14)
        np.testing.assert_allclose(dy, ry, rtol=1e-14)
        assert dx.shape == args[0].shape and dy.shape == args[1].shape


def test_many_shapes_fall_back_to_code_for_any_shape():
    g = srcdiff.value_and_grad(product, wrt=0)
    n = transformed.MAX_SHAPE_VARIANTS + 4
    for k in range(1, n + 1):
        x, y = RNG.standard_normal((k, 1)), RNG.standard_normal((1, 3))
        value, dx = g(x, y)
        np.testing.assert_allclose(dx, np.sum(np.cos(x * y) * y, axis=1, keepdims=True))
    assert len(g._shape_keys) == transformed.MAX_SHAPE_VARIANTS


def matvec_broadcast(W, h, c):
    # (1, 3) @ (3,) is (1,): added to c of shape (4,), so its adjoint must be summed back
    return np.sum(np.tanh(W @ h + c))


def vecmat(h, W):
    return np.sum((h @ W) ** 2) + np.sum(h @ h)


def growing(h0, x, n):
    # h is (1,) on entry and (4,) after one step: its shape is not the same at every loop head
    h = h0
    for i in range(n):
        h = np.sin(h * x)
    return np.sum(h)


def rows(xs, w):
    # xs[i] with i a loop counter: a row of known shape
    s = 0.0
    for i in range(xs.shape[0]):
        s = s + np.sum(np.tanh(xs[i] * w))
    return s


def centered(x):
    return np.sum((x - np.mean(x, axis=0)) ** 2 * np.max(x, axis=1, keepdims=True))


def reshaped(x, y):
    return np.sum(np.exp(x.reshape(2, -1) * y)) + np.sum(x.T[:, :1] * np.ones(2))


def indexed(x, y):
    return np.sum(x[1:, ::2] * y) + np.sum(x[0, :2] * y[0]) + np.sum(x[..., -1])


CASES = [
    (matvec_broadcast, (RNG.standard_normal((1, 3)), RNG.standard_normal(3), RNG.standard_normal(4)), (0, 1, 2)),
    (vecmat, (RNG.standard_normal(3), RNG.standard_normal((3, 2))), (0, 1)),
    (growing, (RNG.standard_normal(1), RNG.standard_normal(4), 3), (0, 1)),
    (rows, (RNG.standard_normal((5, 3)), RNG.standard_normal(3)), (0, 1)),
    (rows, (RNG.standard_normal((5, 3)), RNG.standard_normal(1)), (0, 1)),
    (centered, (RNG.standard_normal((4, 3)),), 0),
    (reshaped, (RNG.standard_normal((3, 4)), RNG.standard_normal((2, 1))), (0, 1)),
    (reshaped, (RNG.standard_normal((3, 4)), RNG.standard_normal((2, 6))), (0, 1)),
    (indexed, (RNG.standard_normal((3, 4)), RNG.standard_normal(2)), (0, 1)),
    (indexed, (RNG.standard_normal((3, 4)), RNG.standard_normal((2, 2))), (0, 1)),
]


@pytest.mark.parametrize("fun, args, wrt", CASES, ids=["%s-%d" % (c[0].__name__, i) for i, c in enumerate(CASES)])
def test_shape_rules_against_finite_differences(fun, args, wrt):
    srcdiff.check_grad(fun, *args, wrt=wrt)
    v = [RNG.standard_normal(np.shape(args[i])) for i in (wrt if isinstance(wrt, tuple) else (wrt,))]
    t = v[0] if not isinstance(wrt, tuple) else tuple(v)
    value, tangent = srcdiff.jvp(fun, args, t, wrt=wrt)
    grads = srcdiff.grad(fun, wrt=wrt)(*args)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    np.testing.assert_allclose(tangent, sum(np.sum(g * vi) for g, vi in zip(grads, v)), rtol=1e-10, atol=1e-12)


def test_forward_mode_is_specialized_too():
    args = mlp_args()
    assert "broadcast_like" in srcdiff.forward(mlp, wrt=(0, 1, 2, 3)).source
    assert "broadcast_like" not in srcdiff.forward(mlp, wrt=(0, 1, 2, 3)).source_for(*args)
    tangents = tuple(RNG.standard_normal(a.shape) for a in args[:4])
    _, jv = srcdiff.jvp(mlp, args, tangents, wrt=(0, 1, 2, 3))
    grads = srcdiff.grad(mlp, wrt=(0, 1, 2, 3))(*args)
    np.testing.assert_allclose(jv, sum(np.sum(g * t) for g, t in zip(grads, tangents)), rtol=1e-10)


def test_hvp_of_specialized_gradient():
    args = mlp_args()
    v = RNG.standard_normal(args[0].shape)
    hv = srcdiff.hvp(mlp, wrt=0)(*args, v)
    grad = srcdiff.grad(mlp, wrt=0)
    eps = 1e-6
    fd = (grad(args[0] + eps * v, *args[1:]) - grad(args[0] - eps * v, *args[1:])) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-6, atol=1e-9)


def squared_total(x, y):
    return np.sum(x + y) ** 2


@pytest.mark.parametrize("fun", [product, squared_total])
@pytest.mark.parametrize("cap", [0, 1, 8])
def test_hvp_with_changing_shapes(fun, cap, monkeypatch):
    """After the cap one gradient function serves every shape: its Hessian-vector product must
    still be specialized to each call's shapes, not to the first one's."""
    monkeypatch.setattr(transformed, "MAX_SHAPE_VARIANTS", cap)
    hvp = srcdiff.hvp(fun, wrt=0)
    grad = srcdiff.grad(fun, wrt=0)
    for shapes in [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((1, 4), (3, 4))]:
        x, y = (RNG.standard_normal(s) for s in shapes)
        v = RNG.standard_normal(x.shape)
        eps = 1e-6
        fd = (grad(x + eps * v, y) - grad(x - eps * v, y)) / (2 * eps)
        np.testing.assert_allclose(hvp(x, y, v), fd, rtol=1e-6, atol=1e-6)
