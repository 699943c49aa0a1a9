"""Kalman filter log-likelihood of a local-level/trend model, with loops and matrix algebra."""
import numpy as np

from tests.programs.harness import Case


def kalman_loglik(log_q, log_r, ys, F=None, H=None):
    if F is None:
        F = np.array([[1.0, 1.0], [0.0, 1.0]])
    if H is None:
        H = np.array([[1.0, 0.0]])
    Q = np.exp(log_q) * np.eye(2)
    R = np.exp(log_r) * np.eye(1)
    m = np.zeros(2)
    P = 10.0 * np.eye(2)
    ll = 0.0
    for y in ys:
        # predict
        m = F @ m
        P = F @ P @ F.T + Q
        # update
        S = H @ P @ H.T + R
        K = P @ H.T @ np.linalg.inv(S)
        v = y - H @ m
        m = m + K @ v
        P = (np.eye(2) - K @ H) @ P
        sign, logdet = np.linalg.slogdet(2 * np.pi * S)
        ll -= 0.5 * (logdet + v @ np.linalg.solve(S, v))
    return -ll


def _args():
    rng = np.random.default_rng(40)
    ys = np.cumsum(0.3 + 0.5 * rng.standard_normal(8)).reshape(8, 1)
    return -1.0, -0.5, ys


CASES = [
    Case("kalman_filter_loglik", kalman_loglik, _args, wrt=(0, 1),
         notes="float parameters; default None arguments; slogdet; inv; solve; loop over rows"),
]
