"""A damped Newton step taken inside the objective (trust-region style lookahead), with
srcdiff.grad called in the function that is differentiated."""
import numpy as np

import srcdiff
from tests.programs.harness import Case


def rosenbrock(z, scale):
    return np.sum(scale * (z[1:] - z[:-1] ** 2) ** 2 + (1.0 - z[:-1]) ** 2)


def curvature_along(z, scale, v, h):
    """Finite-difference curvature of rosenbrock along v, from two gradients."""
    g_plus = srcdiff.grad(rosenbrock)(z + h * v, scale)
    g_minus = srcdiff.grad(rosenbrock)(z - h * v, scale)
    return np.dot(v, g_plus - g_minus) / (2.0 * h)


def lookahead_objective(z, scale):
    """The loss after one damped Newton step along the negative gradient."""
    g = srcdiff.grad(rosenbrock)(z, scale)
    v = -g / np.sqrt(np.sum(g * g) + 1e-12)
    c = curvature_along(z, scale, v, 1e-3)
    step = np.dot(g, -v) / (np.abs(c) + 1.0)
    return rosenbrock(z + step * v, scale)


def unrolled_descent(z, scale, lr=2e-3, n_steps=4):
    """Plain gradient descent unrolled: the loss it ends at, as a function of the start and scale."""
    dloss = srcdiff.value_and_grad(rosenbrock)
    for _ in range(n_steps):
        value, g = dloss(z, scale)
        z = z - lr * g
    return rosenbrock(z, scale)


def _args():
    rng = np.random.default_rng(7)
    return 0.5 + 0.3 * rng.standard_normal(4), 10.0


CASES = [
    Case("newton_lookahead_point", lookahead_objective, _args, wrt=0,
         notes="srcdiff.grad(f)(x) inline, and in a helper it calls"),
    Case("newton_lookahead_scale", lookahead_objective, _args, wrt=1),
    Case("unrolled_descent_start", unrolled_descent, _args, wrt=0,
         notes="value_and_grad bound to a local, called in a loop"),
    Case("unrolled_descent_scale", unrolled_descent, _args, wrt=1),
]
