"""Dict keys taken from parameters (issue 17): ``ACTS[act]`` with ``act`` a string or int given as a
constant, and ``ACTS[config["act"]]`` with ``config`` left at its default dict, are specialized on the
value (changing the dict's entry rebuilds the code); a parameter the function changes stays refused."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import check_both_modes, located_at

X3 = np.array([0.3, -1.2, 0.8])
ACTS = {"tanh": np.tanh, "sin": np.sin, 3: lambda z: z ** 3}
CONFIG = {"act": "tanh"}


def layer(x, act="tanh", k=0):
    f = ACTS[act]
    return f(x) * (k + 1)


def layer_from_config(x, config=CONFIG):
    return ACTS[config["act"]](x)


def by_constant_names(x):
    return np.sum(layer(x, "sin")) + np.sum(layer(x, act="tanh", k=2)) + np.sum(layer(x, 3)) + np.sum(layer(x))


def by_default_config(x):
    return np.sum(layer_from_config(x) ** 2)


def test_a_constant_key_argument_picks_the_entry():
    check_both_modes(by_constant_names, X3)


def test_a_default_config_dict_picks_the_entry_and_is_guarded():
    check_both_modes(by_default_config, X3)
    grad = srcdiff.grad(by_default_config)
    before = grad(X3)
    CONFIG["act"] = "sin"
    try:
        np.testing.assert_allclose(grad(X3), 2 * np.sin(X3) * np.cos(X3), rtol=1e-12)
        check_both_modes(by_default_config, X3)
    finally:
        CONFIG["act"] = "tanh"
    np.testing.assert_allclose(grad(X3), before, rtol=1e-12)


def top_level_key(x, name):
    return np.sum(ACTS[name](x))


def test_a_string_argument_of_the_differentiated_function_picks_the_entry():
    grad = srcdiff.grad(top_level_key)
    np.testing.assert_allclose(grad(X3, "sin"), np.cos(X3), rtol=1e-12)
    np.testing.assert_allclose(grad(X3, "tanh"), 1 - np.tanh(X3) ** 2, rtol=1e-12)
    check_both_modes(top_level_key, X3, "sin")


def rebinds_its_key(x, act="tanh"):
    if x[0] > 0:
        act = "sin"
    return np.sum(ACTS[act](x))


def test_a_key_parameter_the_function_rebinds_is_refused():
    with pytest.raises(srcdiff.SrcdiffError) as info:
        srcdiff.grad(rebinds_its_key)(X3)
    located_at(str(info.value), rebinds_its_key, "return np.sum(ACTS[act](x))")
