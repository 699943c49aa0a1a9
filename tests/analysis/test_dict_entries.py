"""Issue 17 item 5: a layer writes running statistics into a fresh dict entry it is given
(``P["bn"]``) while the caller reads other keys of the same dict afterwards (``P["W2"]``): supported
in both modes (against central differences); reading the written entry again stays refused."""
import copy

import numpy as np
import pytest

import srcdiff


def batchnorm_train(x, gamma, beta, bn_param):
    mean, var = x.mean(axis=0), x.var(axis=0)
    out = gamma * (x - mean) / np.sqrt(var + bn_param["eps"]) + beta
    m = bn_param["momentum"]
    running_mean = m * bn_param["running_mean"] + (1 - m) * mean
    running_var = m * bn_param["running_var"] + (1 - m) * var
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out


def net_loss(params, x, y):
    P = dict(params)
    P["bn"] = {"momentum": 0.9, "eps": 1e-5, "running_mean": np.zeros(5), "running_var": np.ones(5)}
    h = x @ P["W1"]
    h = batchnorm_train(h, P["gamma"], P["beta"], P["bn"])
    h = np.tanh(h)
    scores = h @ P["W2"]
    return np.mean((scores - y) ** 2)


def reads_the_entry_again(params, x, y):
    P = dict(params)
    P["bn"] = {"momentum": 0.9, "eps": 1e-5, "running_mean": np.zeros(5), "running_var": np.ones(5)}
    h = batchnorm_train(x @ P["W1"], P["gamma"], P["beta"], P["bn"])
    scores = np.tanh(h) @ P["W2"]
    return np.mean((scores - y) ** 2) + np.sum(P["bn"]["running_mean"])


def calls_it_in_a_loop(params, x, y):
    P = dict(params)
    P["bn"] = {"momentum": 0.9, "eps": 1e-5, "running_mean": np.zeros(5), "running_var": np.ones(5)}
    h = x @ P["W1"]
    for _ in range(2):
        h = batchnorm_train(h, P["gamma"], P["beta"], P["bn"])
    return np.mean((np.tanh(h) @ P["W2"] - y) ** 2)


def entry_held_elsewhere(params, x, y):
    P = dict(params)
    bn = {"momentum": 0.9, "eps": 1e-5, "running_mean": np.zeros(5), "running_var": np.ones(5)}
    P["bn"] = bn
    h = batchnorm_train(x @ P["W1"], P["gamma"], P["beta"], P["bn"])
    return np.mean((np.tanh(h) @ P["W2"] - y) ** 2) + np.sum(bn["running_var"])


def _args():
    rng = np.random.default_rng(35)
    params = {"W1": rng.standard_normal((3, 5)), "gamma": 1 + 0.1 * rng.standard_normal(5),
              "beta": 0.1 * rng.standard_normal(5), "W2": rng.standard_normal((5, 2))}
    return params, rng.standard_normal((6, 3)), rng.standard_normal((6, 2))


def _central(f, params, rest, key, direction, eps=1e-6):
    up, down = dict(params), dict(params)
    up[key], down[key] = params[key] + eps * direction, params[key] - eps * direction
    return (f(up, *rest) - f(down, *rest)) / (2 * eps)


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_a_layer_writing_a_fresh_entry_the_caller_does_not_read_again_is_differentiated():
    params, x, y = _args()
    after_python = copy.deepcopy(params)
    value = net_loss(after_python, x, y)
    kept = copy.deepcopy(params)
    grads = srcdiff.grad(net_loss)(params, x, y)
    _same(params, after_python)  # what the run of net_loss leaves in the dict it is given
    _same(params, kept)
    rng = np.random.default_rng(1)
    tangents = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    got_value, tangent = srcdiff.jvp(net_loss, (params, x, y), tangents, wrt=0)
    _same(params, after_python)
    np.testing.assert_allclose(got_value, value, rtol=1e-12)
    expected = sum(_central(net_loss, params, (x, y), k, tangents[k]) for k in params)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6, atol=1e-9)
    for k in params:
        np.testing.assert_allclose(np.sum(grads[k] * tangents[k]), _central(net_loss, params, (x, y), k, tangents[k]),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("fun", [reads_the_entry_again, calls_it_in_a_loop, entry_held_elsewhere])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_written_entry_that_is_read_again_is_still_refused_at_the_line(fun, mode):
    params, x, y = _args()
    with pytest.raises(srcdiff.NonDifferentiableError) as info:
        if mode == "reverse":
            srcdiff.grad(fun)(params, x, y)
        else:
            srcdiff.jvp(fun, (params, x, y), {k: np.ones_like(v) for k, v in params.items()}, wrt=0)
    message = str(info.value)
    assert "test_dict_entries.py:" in message and "batchnorm_train writes into its parameter `bn_param`" in message
    assert "batchnorm_train(" in message


def reads_a_constant_dict_stored_in_a_differentiated_one(params):
    P = dict(params)
    P["bn"] = {"eps": 1e-5, "s": 2.0}
    q = P["bn"]
    return np.sum(P["W"] ** 2 * q["s"]) + q["eps"]


def test_a_constant_dict_stored_in_a_differentiated_dict_has_a_dict_of_zero_tangents():
    params, direction = {"W": np.array([0.5, -1.0, 2.0])}, np.array([1.0, 0.3, -0.2])
    _, tangent = srcdiff.jvp(reads_a_constant_dict_stored_in_a_differentiated_one, (params,), {"W": direction})
    expected = _central(reads_a_constant_dict_stored_in_a_differentiated_one, params, (), "W", direction)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6)
    grads = srcdiff.grad(reads_a_constant_dict_stored_in_a_differentiated_one)(params)
    np.testing.assert_allclose(np.sum(grads["W"] * direction), expected, rtol=1e-6)


def stores_the_entry_after_the_call(params, x, y):
    P = dict(params)
    h = np.tanh(batchnorm_train(x @ P["W1"], P["gamma"], P["beta"], P["bn"]))
    P["bn"] = {"momentum": 0.9, "eps": 1e-5, "running_mean": np.zeros(5), "running_var": np.ones(5)}
    return np.mean((h @ P["W2"] - y) ** 2) + np.sum(params["bn"]["running_mean"])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_entry_stored_only_after_the_call_is_still_refused(mode):
    params, x, y = _args()
    params["bn"] = {"momentum": 0.9, "eps": 1e-5, "running_mean": np.zeros(5), "running_var": np.ones(5)}
    with pytest.raises(srcdiff.NonDifferentiableError, match="batchnorm_train writes into its parameter"):
        if mode == "reverse":
            srcdiff.grad(stores_the_entry_after_the_call)(params, x, y)
        else:
            srcdiff.jvp(stores_the_entry_after_the_call, (params, x, y), {k: np.ones_like(v) if k != "bn" else
                        {j: 0.0 * np.asarray(u) for j, u in v.items()} for k, v in params.items()}, wrt=0)
