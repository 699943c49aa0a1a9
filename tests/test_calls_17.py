"""Calls as research code writes them (issue 17 items 5 and 8): ``map`` with a lambda or a named
function, functions called through dict entries, and what stays refused, at the user's line."""
import numpy as np
import pytest

import srcdiff
from tests.calls17_helpers import check
from tests.trust_helpers import located_at

RNG = np.random.default_rng(17)
WS = [RNG.standard_normal(3) for _ in range(3)]
X = RNG.standard_normal(3)


# ------------------------------------------------------------------ map

def map_lambda_sum(ws, x):
    return sum(map(lambda w: np.sum(w ** 2 * x), ws))


def map_named_function_list(ws, x):
    norms = list(map(np.linalg.norm, ws))
    return norms[0] * norms[2] + np.sum(x * ws[1])


def map_in_for_and_zip(ws, x):
    total = 0.0
    for u, v in zip(map(np.tanh, ws), map(lambda p, q: p * q, ws, ws)):
        total = total + np.sum(u * v * x)
    return total


def square(w):
    return np.sum(np.sin(w) ** 2)


def map_user_function(ws, x):
    return sum(map(square, ws)) + np.sum(np.array(list(map(lambda w, s: np.dot(w, s), ws, [x, x, x]))))


def map_lambda_param_shadows_local(ws, x):
    w = x * 2.0
    s = sum(map(lambda w: np.sum(w * w), ws))
    return s + np.sum(w * ws[0])  # `w` is still the local: the lambda's `w` is its own


@pytest.mark.parametrize("f", [map_lambda_sum, map_named_function_list, map_in_for_and_zip, map_user_function,
                               map_lambda_param_shadows_local])
def test_map_is_differentiated_in_both_modes(f):
    check(f, WS, X)


def map_lambda_with_default(ws, x):
    return sum(map(lambda w, k=2: np.sum(w ** k), ws))


def test_a_lambda_map_cannot_write_as_a_comprehension_is_refused_at_its_line():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as e:
        srcdiff.grad(map_lambda_with_default)(WS, X)
    located_at(str(e.value), map_lambda_with_default, "lambda w, k=2")


def with_own_map():
    def map(f, xs):  # noqa: A001 - code that defines its own `map`
        return [f(x) * 2.0 for x in xs]

    def shadowed_map(ws, x):
        return sum(map(lambda w: np.sum(w * x), ws))
    return shadowed_map


def test_a_map_that_is_not_the_builtin_is_not_rewritten():
    shadowed_map = with_own_map()
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as e:
        srcdiff.grad(shadowed_map)(WS, X)
    located_at(str(e.value), shadowed_map, "lambda w: np.sum(w * x)")


# ------------------------------------------------------------------ functions in dict entries

def relu(z):
    return np.maximum(z, 0.0)


def softplus(z):
    return np.logaddexp(0.0, z)


ACTIVATIONS = {"tanh": np.tanh, "relu": relu, "softplus": softplus, "square": lambda z: z * z}
CONFIG = {"act": "softplus"}


def fa(t):
    return np.sum(np.sin(t))


def fb(t):
    return np.sum(t ** 3)


def literal_dict_dispatch(theta, x):
    L = {"a": fa, "b": fb}
    h = L["a"](theta * x)
    return L["b"](theta) + h


def global_dict_dispatch(theta, x):
    act = ACTIVATIONS["relu"]
    h = act(theta * x) + ACTIVATIONS["tanh"](theta) + ACTIVATIONS["square"](theta)
    return np.sum(ACTIVATIONS[CONFIG["act"]](h))


def literal_alias_dispatch(theta, x):
    layers = {"first": np.tanh, "second": softplus}
    f = layers["second"]
    return np.sum(f(layers["first"](theta) * x))


@pytest.mark.parametrize("f", [literal_dict_dispatch, global_dict_dispatch, literal_alias_dispatch])
def test_calls_through_dict_entries_are_differentiated_in_both_modes(f):
    check(f, X, WS[0])


def test_a_changed_global_entry_rebuilds_the_code():
    g = srcdiff.grad(global_dict_dispatch)
    first = g(X, WS[0])
    try:
        CONFIG["act"] = "tanh"
        np.testing.assert_allclose(g(X, WS[0]), check_numeric(global_dict_dispatch, X, WS[0]), rtol=1e-6)
        assert not np.allclose(first, g(X, WS[0]))
        ACTIVATIONS["tanh"] = np.sin
        np.testing.assert_allclose(g(X, WS[0]), check_numeric(global_dict_dispatch, X, WS[0]), rtol=1e-6)
    finally:
        CONFIG["act"] = "softplus"
        ACTIVATIONS["tanh"] = np.tanh
    np.testing.assert_allclose(g(X, WS[0]), first)


def check_numeric(f, x, *rest):
    from tests.calls17_helpers import numeric
    return numeric(f, x, rest)[0]


def written_literal(theta, x):
    L = {"a": fa, "b": fb}
    L["b"] = np.cos
    return np.sum(L["b"](theta * x))


def key_from_argument(theta, x, name):
    return np.sum(ACTIVATIONS[name](theta * x))


def test_dict_entries_that_may_change_are_refused_at_the_call():
    with pytest.raises(srcdiff.SrcdiffError) as e:
        srcdiff.grad(written_literal)(X, WS[0])
    located_at(str(e.value), written_literal, "np.sum(L[")
    with pytest.raises(srcdiff.SrcdiffError) as e:
        srcdiff.grad(key_from_argument)(X, WS[0], "relu")
    located_at(str(e.value), key_from_argument, "ACTIVATIONS[name](theta * x)")
