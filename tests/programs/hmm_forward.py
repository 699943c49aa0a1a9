"""HMM log-likelihood by the forward algorithm: log-space with logsumexp, and the scaled version."""
import numpy as np
from scipy.special import logsumexp

from tests.programs.harness import Case


def normalize_log(x, axis=-1):
    return x - logsumexp(x, axis=axis, keepdims=True)


def unpack(params, K, V):
    """Unconstrained parameters -> log initial, log transition, log emission."""
    log_pi = normalize_log(params[:K])
    log_A = normalize_log(params[K:K + K * K].reshape(K, K), axis=1)
    log_B = normalize_log(params[K + K * K:].reshape(K, V), axis=1)
    return log_pi, log_A, log_B


def hmm_log_likelihood(params, obs, K, V):
    log_pi, log_A, log_B = unpack(params, K, V)
    log_alpha = log_pi + log_B[:, obs[0]]
    for o in obs[1:]:
        log_alpha = logsumexp(log_alpha[:, None] + log_A, axis=0) + log_B[:, o]
    return logsumexp(log_alpha)


def forward_scaled(pi, A, B, obs):
    """Rabiner's scaled forward pass; returns alpha and the log-likelihood."""
    T, K = len(obs), len(pi)
    alpha = np.zeros((T, K))
    c = np.zeros(T)
    alpha[0] = pi * B[:, obs[0]]
    c[0] = alpha[0].sum()
    alpha[0] /= c[0]
    for t in range(1, T):
        alpha[t] = (alpha[t - 1] @ A) * B[:, obs[t]]
        c[t] = alpha[t].sum()
        alpha[t] /= c[t]
    return alpha, np.sum(np.log(c))


def softmax_rows(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def neg_log_likelihood_scaled(logits_pi, logits_A, logits_B, obs):
    pi = softmax_rows(logits_pi)
    A = softmax_rows(logits_A)
    B = softmax_rows(logits_B)
    _, ll = forward_scaled(pi, A, B, obs)
    return -ll


K_, V_ = 3, 4


def _obs():
    return np.random.default_rng(6).integers(0, V_, size=7)


def _log_args():
    params = np.random.default_rng(7).standard_normal(K_ + K_ * K_ + K_ * V_)
    return params, _obs(), K_, V_


def _scaled_args():
    r = np.random.default_rng(8)
    return r.standard_normal(K_), r.standard_normal((K_, K_)), r.standard_normal((K_, V_)), _obs()


CASES = [
    Case("hmm_log_space_logsumexp", hmm_log_likelihood, _log_args, wrt=0,
         notes="scipy.special.logsumexp with axis/keepdims; loop over observations"),
    Case("hmm_scaled_inplace", neg_log_likelihood_scaled, _scaled_args, wrt=(0, 1, 2),
         notes="helper writing rows of alpha and c in place, returning a tuple"),
]
