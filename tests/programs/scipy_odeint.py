"""An ODE model fitted through scipy.integrate.odeint (an ODE-net style objective)."""
import numpy as np
from scipy.integrate import odeint

from tests.programs.harness import Case


def dynamics(y, t, W, b):
    return np.tanh(W @ y + b)


def ode_net_loss(W, b, y0, t, y_obs):
    ys = odeint(dynamics, y0, t, args=(W, b), rtol=1e-10, atol=1e-10)
    return np.mean((ys - y_obs) ** 2)


def _args():
    rng = np.random.default_rng(37)
    t = np.linspace(0, 1, 5)
    return 0.5 * rng.standard_normal((2, 2)), 0.1 * rng.standard_normal(2), np.array([1.0, -0.5]), t, \
        rng.standard_normal((5, 2))


CASES = [
    Case("odeint_ode_net", ode_net_loss, _args, wrt=(0, 1, 2),
         notes="scipy.integrate.odeint with args=(W, b) (issue 18: adjoint method)"),
]
