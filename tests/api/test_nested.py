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


def test_reverse_over_a_gradient_handing_a_tape_to_a_callee_is_refused_with_the_forward_route():
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


# ---------------------------------------------------------------- reverse over taped gradients (issue 17)

def damped_map(x, a):
    for i in range(6):
        x = x - 0.3 * np.sin(a * x) + 0.1 * i
    return x ** 2


def newton_sqrt(a):
    x = a
    k = 0
    while k < 5:
        x = 0.5 * (x + a / x)
        k += 1
    return x


def _central(f, x, i=None, eps=1e-5):
    if i is None:
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    e = np.zeros_like(x)
    e[i] = eps
    return (f(x + e) - f(x - e)) / (2 * eps)


@pytest.mark.parametrize("fun, args", [(damped_map, (0.9, 1.7)), (newton_sqrt, (2.5,))])
def test_grad_of_grad_through_a_loop_tape_matches_finite_differences(fun, args):
    g = srcdiff.grad(fun)
    gg = srcdiff.grad(g)
    fd = _central(lambda v: g(v, *args[1:]), args[0])
    assert gg(*args) == pytest.approx(fd, rel=1e-7)
    assert gg(*args) == pytest.approx(srcdiff.hessian(fun)(*args), rel=1e-12)  # forward over reverse agrees


def newton_sqrt_while(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def test_third_and_fourth_derivatives_through_a_while_loop_match_the_closed_form():
    # the tapes of the second derivative hold None placeholders and items dropped by a bare pop: their
    # adjoints are None, taken as zero by the appends' adjoints (runtime.popped_adjoint)
    g2 = srcdiff.grad(srcdiff.grad(newton_sqrt_while))
    g3 = srcdiff.grad(g2)
    a = 2.0
    assert g3(a) == pytest.approx(3 / 8 * a ** -2.5, rel=1e-10)
    assert g3(a) == pytest.approx(_central(g2, a), rel=1e-7)
    assert srcdiff.grad(g3)(a) == pytest.approx(-15 / 16 * a ** -3.5, rel=1e-10)
    assert srcdiff.hessian(srcdiff.grad(newton_sqrt_while))(a) == pytest.approx(g3(a), rel=1e-12)


def test_third_derivative_of_a_for_loop_tape_matches_finite_differences():
    g2 = srcdiff.grad(srcdiff.grad(damped_map))
    g3 = srcdiff.grad(g2)
    assert g3(0.9, 1.7) == pytest.approx(_central(lambda v: g2(v, 1.7), 0.9), rel=1e-6)


def tanh_products(w, h):
    s = 0.0
    for i in range(3):
        h = np.tanh(w * h)
        s = s + np.sum(h)
    return s


def tanh_layers(W, h):
    s = 0.0
    for i in range(3):
        h = np.tanh(W @ h)
        s = s + np.sum(h)
    return s


def squared_layer_gradient(W, h):
    return np.sum(srcdiff.grad(tanh_layers)(W, h) ** 2)


def test_a_loop_of_array_products_differentiates_twice():
    # code differentiated again keeps its reverse loops' products one per step (no batched sums)
    w, h = 0.7, np.array([0.2, 0.4, -0.1])
    g = srcdiff.grad(tanh_products, wrt=0)
    eye = np.eye(3) * 1e-6
    fd = np.array([(g(w, h + e) - g(w, h - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(srcdiff.grad(g, wrt=1)(w, h), fd, rtol=1e-7)


def test_a_gradient_of_a_matmul_loop_taken_inside_the_function_differentiates():
    W, h = np.array([[0.3, -0.5], [0.8, 0.1]]), np.array([0.2, 0.4])
    got_W, got_h = srcdiff.grad(squared_layer_gradient, wrt=(0, 1))(W, h)
    fd_W = np.zeros_like(W)
    for i in np.ndindex(W.shape):
        e = np.zeros_like(W)
        e[i] = 1e-6
        fd_W[i] = (squared_layer_gradient(W + e, h) - squared_layer_gradient(W - e, h)) / 2e-6
    fd_h = np.array([(squared_layer_gradient(W, h + e) - squared_layer_gradient(W, h - e)) / 2e-6
                     for e in np.eye(2) * 1e-6])
    np.testing.assert_allclose(got_W, fd_W, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got_h, fd_h, rtol=1e-7, atol=1e-9)
    _, t = srcdiff.jvp(squared_layer_gradient, (W, h), (np.ones_like(W), np.zeros(2)))
    assert t == pytest.approx(np.sum(fd_W), rel=1e-7)
