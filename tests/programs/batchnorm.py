"""Batch normalization in training mode updating running statistics kept in a dict (cs231n style)."""
import numpy as np

from tests.programs.harness import Case, both, refused


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        sample_mean = x.mean(axis=0)
        sample_var = x.var(axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        cache = (x, x_hat, sample_mean, sample_var, gamma, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    # Store the updated running means back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def bn_net_loss(params, x, y):
    P = dict(params)
    P["bn"] = {"mode": "train"}
    h = x @ P["W1"]
    h, _ = batchnorm_forward(h, P["gamma"], P["beta"], P["bn"])
    h = np.maximum(h, 0)
    scores = h @ P["W2"]
    return np.mean((scores - y) ** 2)


def _args():
    rng = np.random.default_rng(35)
    params = {"W1": rng.standard_normal((3, 5)), "gamma": 1 + 0.1 * rng.standard_normal(5),
              "beta": 0.1 * rng.standard_normal(5), "W2": rng.standard_normal((5, 2))}
    return params, rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


CASES = [
    Case("batchnorm_running_stats_dict", bn_net_loss, _args, wrt=0,
         notes="P = dict(params); bn_param['running_mean'] replaced after rebinding; raise in else",
         known=both(refused("issue 17: `bn_param.get(k, default)` on a dict holding differentiated values has no "
                            "rule (the running statistics written into the fresh P['bn'] are followed now, "
                            "tests/analysis/test_dict_entries.py)"))),
]
