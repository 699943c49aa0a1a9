"""Bilevel objectives that take Newton steps with grad inside (hyperparameter tuning by unrolling)."""
import numpy as np

from srcdiff import grad
from tests.programs.harness import Case


def inner_loss(w, lam, x, y):
    """Ridge-regularized logistic loss of a one-dimensional model."""
    z = w * x
    return np.sum(np.logaddexp(0.0, -y * z)) + 0.5 * lam * w ** 2


d_inner = grad(inner_loss)
dd_inner = grad(grad(inner_loss))


def fit_by_newton(lam, x, y, w0=0.0, n_steps=4):
    w = w0
    for _ in range(n_steps):
        w = w - d_inner(w, lam, x, y) / dd_inner(w, lam, x, y)
    return w


def validation_loss(log_lam, x, y, x_val, y_val):
    lam = np.exp(log_lam)
    w = fit_by_newton(lam, x, y)
    return np.sum(np.logaddexp(0.0, -y_val * w * x_val))


def energy(q, k):
    return 0.5 * k * q ** 2 + 0.25 * q ** 4


def equilibrium_objective(k, q0):
    """Newton iterations on dE/dq = 0, written with the gradient of the energy."""
    dE = grad(energy)
    q = q0
    for _ in range(3):
        h = 1e-4
        curvature = (dE(q + h, k) - dE(q - h, k)) / (2 * h)
        q = q - dE(q, k) / curvature
    return energy(q, k) + q


def _args():
    rng = np.random.default_rng(24)
    x = rng.standard_normal(10)
    y = np.sign(x + 0.5 * rng.standard_normal(10))
    xv = rng.standard_normal(6)
    return 0.3, x, y, xv, np.sign(xv)


CASES = [
    Case("newton_steps_hyperparameter", validation_loss, _args, wrt=0,
         notes="module-level grad and grad(grad(...)) objects called inside the objective"),
    Case("newton_equilibrium_inner_grad", equilibrium_objective, lambda: (1.3, 0.8), wrt=0,
         notes="grad(energy) created inside the differentiated function"),
]
