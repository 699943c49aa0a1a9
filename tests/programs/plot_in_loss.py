"""Losses that call plotting and logging helpers which do nothing unless given an axis or verbose."""
import numpy as np

from tests.programs.harness import Case


def plot_matrix(ax, mat, title=None):
    if ax is None:
        return
    ax.cla()
    ax.matshow(mat, cmap="viridis")
    if title:
        ax.set_title(title)


def log_progress(step, value, verbose=False):
    if verbose:
        print(f"step {step:4d}: loss {value:.6f}")


history = []


def record(value):
    history.append(float(value))


def heat_equation_loss(u0, target, ax=None, steps=5, nu=0.2):
    u = u0.copy()
    for k in range(steps):
        u[1:-1] = u[1:-1] + nu * (u[2:] - 2 * u[1:-1] + u[:-2])
        plot_matrix(ax, u[None, :], title="step %d" % k)
    loss = np.sum((u - target) ** 2)
    log_progress(steps, loss)
    record(loss)
    return loss


def matrix_factorization_loss(U, V, R, mask, ax=None, verbose=False):
    pred = U @ V.T
    plot_matrix(ax, pred)
    err = mask * (pred - R)
    loss = 0.5 * np.sum(err ** 2) + 0.05 * (np.sum(U ** 2) + np.sum(V ** 2))
    log_progress(0, loss, verbose=verbose)
    return loss


def _heat_args():
    rng = np.random.default_rng(22)
    return rng.standard_normal(8), rng.standard_normal(8)


def _mf_args():
    rng = np.random.default_rng(23)
    R = rng.standard_normal((5, 4))
    return rng.standard_normal((5, 2)), rng.standard_normal((4, 2)), R, (rng.random((5, 4)) < 0.7) * 1.0


CASES = [
    Case("heat_loss_plots_each_step", heat_equation_loss, _heat_args, wrt=0,
         notes="plot_matrix(ax, u) with ax=None inside the loop; log_progress with verbose=False"),
    Case("matrix_factorization_plot_and_log", matrix_factorization_loss, _mf_args, wrt=(0, 1),
         notes="plotting helper and logging helper whose results are unused"),
]
