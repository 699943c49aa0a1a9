"""Higher derivatives: grad of grad through a loop, and six nested grads of tanh (autograd's classic)."""
import numpy as np

from srcdiff import grad
from tests.programs.harness import Case


def tanh(x):
    y = np.exp(-2.0 * x)
    return (1.0 - y) / (1.0 + y)


d_fun = grad(tanh)  # First derivative
dd_fun = grad(d_fun)  # Second derivative
ddd_fun = grad(dd_fun)  # Third derivative
dddd_fun = grad(ddd_fun)  # Fourth derivative
ddddd_fun = grad(dddd_fun)  # Fifth derivative
dddddd_fun = grad(ddddd_fun)  # Sixth derivative


def tanh_derivative_closed_form(x, n):
    """d^n/dx^n tanh(x) as a polynomial in t = tanh(x): P_{k+1}(t) = P_k'(t) (1 - t^2)."""
    p = np.polynomial.Polynomial([0.0, 1.0])
    one_minus_t2 = np.polynomial.Polynomial([1.0, 0.0, -1.0])
    for _ in range(n):
        p = p.deriv() * one_minus_t2
    return p(np.tanh(x))


def damped_map(x, a):
    for i in range(6):
        x = x - 0.3 * np.sin(a * x) + 0.1 * i
    return x ** 2


d_damped = grad(damped_map)


def newton_sqrt(a):
    x = a
    k = 0
    while k < 5:
        x = 0.5 * (x + a / x)
        k += 1
    return x


d_sqrt = grad(newton_sqrt)

CASES = [
    Case("sixth_derivative_tanh", ddddd_fun, lambda: (0.4,), wrt=0,
         reference=lambda x: tanh_derivative_closed_form(x, 6),
         notes="grad of the fifth nested grad, compared with the closed form too"),
    Case("second_derivative_tanh", d_fun, lambda: (-0.7,), wrt=0,
         reference=lambda x: tanh_derivative_closed_form(x, 2)),
    Case("grad_of_grad_for_loop", d_damped, lambda: (0.9, 1.7), wrt=0,
         notes="d/dx of grad(damped_map): a loop with a tape"),
    Case("grad_of_grad_while_loop", d_sqrt, lambda: (2.5,), wrt=0,
         notes="second derivative of Newton's square root, a while loop"),
]
