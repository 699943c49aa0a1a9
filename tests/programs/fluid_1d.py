"""A 1-D advection-diffusion simulation with periodic boundaries, optimized for its initial condition."""
import numpy as np

from tests.programs.harness import Case


def laplacian(u, dx):
    return (np.roll(u, 1) - 2 * u + np.roll(u, -1)) / dx ** 2


def upwind_advect(u, c, dx):
    return -c * (u - np.roll(u, 1)) / dx


def simulate(u0, c=1.0, nu=0.05, dx=0.1, dt=0.01, num_steps=20):
    u = u0.copy()
    trajectory = [u]
    for _ in range(num_steps):
        u = u + dt * (upwind_advect(u, c, dx) + nu * laplacian(u, dx))
        trajectory.append(u)
    return u, trajectory


def distance_from_target(u0, target):
    final, traj = simulate(u0)
    smoothness = np.mean([np.sum(np.diff(v) ** 2) for v in traj[::5]])
    return np.sum((final - target) ** 2) + 1e-3 * smoothness


def burgers_inplace(u0, nu, steps=10, dt=0.005, dx=0.1):
    u = np.array(u0)
    un = np.empty_like(u)
    for n in range(steps):
        un[:] = u
        u[1:-1] = un[1:-1] - un[1:-1] * dt / dx * (un[1:-1] - un[:-2]) \
            + nu * dt / dx ** 2 * (un[2:] - 2 * un[1:-1] + un[:-2])
        u[0] = u[-2]
        u[-1] = u[1]
    return np.sum(u ** 2)


def _args():
    x = np.linspace(0, 1, 10, endpoint=False)
    return np.exp(-((x - 0.3) / 0.1) ** 2), np.exp(-((x - 0.5) / 0.15) ** 2)


def _burgers_args():
    x = np.linspace(0, 2, 12)
    return 1.0 + 0.5 * np.sin(np.pi * x), 0.07


CASES = [
    Case("advection_diffusion_roll", distance_from_target, _args, wrt=0,
         notes="np.roll, trajectory list, mean of a list comprehension over traj[::5]"),
    Case("burgers_inplace_slices", burgers_inplace, _burgers_args, wrt=(0, 1),
         notes="un[:] = u copies, slice writes, boundary writes, np.array(u0) copy"),
]
