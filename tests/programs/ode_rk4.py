"""Parameter fitting of an ODE by an explicit integrator (scientific-computing style)."""
import numpy as np

from tests.programs.harness import Case, both, refused


def lotka_volterra(y, t, alpha, beta, delta, gamma):
    prey, pred = y
    dprey = alpha * prey - beta * prey * pred
    dpred = delta * prey * pred - gamma * pred
    return np.array([dprey, dpred])


def odeint_rk4(f, y0, t, args=()):
    """Classic 4th order Runge-Kutta on the grid t, same calling convention as scipy's odeint."""
    ys = np.zeros((len(t), len(y0)))
    ys[0] = y0
    for i in range(len(t) - 1):
        h = t[i + 1] - t[i]
        y = ys[i]
        k1 = f(y, t[i], *args)
        k2 = f(y + 0.5 * h * k1, t[i] + 0.5 * h, *args)
        k3 = f(y + 0.5 * h * k2, t[i] + 0.5 * h, *args)
        k4 = f(y + h * k3, t[i] + h, *args)
        ys[i + 1] = y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return ys


def fit_loss(theta, y0, t, observed):
    alpha, beta, delta, gamma = np.exp(theta)
    sol = odeint_rk4(lotka_volterra, y0, t, args=(alpha, beta, delta, gamma))
    return np.sum((np.log(sol) - np.log(observed)) ** 2)


def euler_while(k, y0, t_end=1.0, dt=0.1):
    """Explicit Euler with a while loop and in-place state updates (damped pendulum)."""
    y = np.array(y0, dtype=float)
    t = 0.0
    while t < t_end - 1e-12:
        dy = np.empty_like(y)
        dy[0] = y[1]
        dy[1] = -k[0] * np.sin(y[0]) - k[1] * y[1]
        y += dt * dy
        t += dt
    return y[0] ** 2 + 0.5 * y[1] ** 2


def _args():
    t = np.linspace(0.0, 2.0, 9)
    theta_true = np.log([1.0, 0.5, 0.4, 0.8])
    observed = odeint_rk4(lotka_volterra, np.array([2.0, 1.0]), t, args=tuple(np.exp(theta_true)))
    observed = observed * np.exp(0.05 * np.random.default_rng(27).standard_normal(observed.shape))
    return theta_true + 0.1, np.array([1.8, 1.1]), t, observed


CASES = [
    Case("lotka_volterra_rk4", fit_loss, _args, wrt=(0, 1),
         notes="f(y, t, *args) through a user integrator; tuple unpacking of np.exp(theta); ys[i + 1] =",
         known=both(refused("issue 17: over-cautious alias: a np.zeros buffer may share memory with argument t"))),
    Case("pendulum_euler_while", euler_while, lambda: (np.array([2.0, 0.3]), np.array([0.5, 0.0])),
         wrt=(0, 1), notes="while loop on a float time; y += in place; np.empty_like filled by index",
         known=both(refused("issue 18: np.array(x, dtype=float)"))),
]
