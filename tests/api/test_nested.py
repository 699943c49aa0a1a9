"""Derivatives of derivatives: grad(grad(f)), jacobian/vjp/jvp of a gradient, against other routes."""
import math

import numpy as np
import pytest

import srcdiff


def cubic_sine(x):
    return x ** 3 * math.sin(x)


def tanh_layer(w, X):
    return np.sum(np.tanh(X @ w) ** 2)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def softmax_xent(z):
    e = np.exp(z - np.max(z))
    return -np.log(e[1] / np.sum(e))


def looped(x):  # scalar code: no tape
    s = 0.0
    for i in range(3):
        s = s + x ** 2 * i
    return s


def test_grad_of_grad_is_the_second_derivative():
    x = 0.7
    second = 6 * x * math.sin(x) + 6 * x ** 2 * math.cos(x) - x ** 3 * math.sin(x)
    third = 6 * math.sin(x) + 18 * x * math.cos(x) - 9 * x ** 2 * math.sin(x) - x ** 3 * math.cos(x)
    gg = srcdiff.grad(srcdiff.grad(cubic_sine))
    assert gg(x) == pytest.approx(second, rel=1e-12)
    assert srcdiff.grad(gg)(x) == pytest.approx(third, rel=1e-12)
    assert gg.source.startswith("def grad_grad_cubic_sine(x):")
    assert "# d_x = " in gg.source  # the chain rule for the inner gradient's own lines


@pytest.mark.parametrize("fun, x", [
    (rosenbrock, np.array([0.5, 1.2, -0.3])),
    (softmax_xent, np.array([0.3, -1.0, 2.0])),
], ids=["rosenbrock", "softmax_xent"])
def test_reverse_over_reverse_matches_forward_over_reverse(fun, x):
    H = srcdiff.hessian(fun)(x)
    np.testing.assert_allclose(srcdiff.jacobian(srcdiff.grad(fun))(x), H, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(srcdiff.jacobian(srcdiff.grad(fun), mode="forward")(x), H, rtol=1e-10, atol=1e-12)
    g = srcdiff.grad(fun)
    eps = 1e-6
    fd = np.array([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(len(x))]).T
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-5)


def test_jvp_and_vjp_of_a_gradient_are_hessian_products():
    w, X = np.array([0.3, -0.2]), np.arange(6.0).reshape(3, 2) / 6
    H = srcdiff.hessian(tanh_layer)(w, X)
    v = np.array([1.0, -2.0])
    _, t = srcdiff.jvp(srcdiff.grad(tanh_layer), (w, X), v)
    np.testing.assert_allclose(t, H @ v, rtol=1e-10)
    _, pullback = srcdiff.vjp(srcdiff.grad(tanh_layer))(w, X)
    np.testing.assert_allclose(pullback(v), H.T @ v, rtol=1e-10)
    np.testing.assert_allclose(pullback(v), H.T @ v, rtol=1e-10)  # a pullback can be called again


def test_a_pullback_whose_forward_keeps_a_tape_can_be_called_again():
    x = np.array([0.5, -1.0, 2.0])
    value, pullback = srcdiff.vjp(looped_vector)(x)
    assert pullback.tape_entries > 0
    rows = [pullback(e) for e in np.eye(3)] + [pullback(np.eye(3)[0])]
    np.testing.assert_allclose(np.array(rows[:3]), srcdiff.jacobian(looped_vector, mode="forward")(x), rtol=1e-12)
    np.testing.assert_allclose(rows[3], rows[0])


def looped_vector(x):
    y = x.copy()
    for i in range(1, len(x)):
        y[i] = y[i - 1] * np.sin(y[i])
    return y


def test_a_scalar_loop_differentiates_twice_in_reverse():
    assert srcdiff.grad(srcdiff.grad(looped))(1.5) == pytest.approx(6.0)  # s = 3 x**2


def looped_sum(x):
    return np.sum(looped_vector(x))


def test_reverse_over_a_taped_gradient_is_refused_with_the_forward_route():
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(srcdiff.NonDifferentiableError, match="keeps a tape") as info:
        srcdiff.jacobian(srcdiff.grad(looped_sum))(x)
    assert "srcdiff.hessian" in str(info.value)
    H = srcdiff.hessian(looped_sum)(x)
    np.testing.assert_allclose(srcdiff.jacobian(srcdiff.grad(looped_sum), mode="forward")(x), H, rtol=1e-12)
    g = srcdiff.grad(looped_sum)
    eps = 1e-6
    fd = np.array([(g(x + eps * e) - g(x - eps * e)) / (2 * eps) for e in np.eye(3)]).T
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)
