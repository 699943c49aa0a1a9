"""Calls as research code writes them (issue 17 items 5 and 8): ``map`` with a lambda or a named
function, functions called through dict entries, and what stays refused, at the user's line."""
import numpy as np
import pytest

import srcdiff
from tests.support.calls17_helpers import check
from tests.support.trust_helpers import located_at

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
    from tests.support.calls17_helpers import numeric
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


def test_a_key_passed_as_a_string_argument_is_specialized_on():  # it was refused; test_dispatch_constants.py
    check(key_from_argument, X, WS[0], "relu")


# ------------------------------------------------------------------ dict(params) and names of the same dict

def dict_of_params(params, x):
    P = dict(params)
    P["k"] = np.tanh(x)
    P["W"] = P["W"] * 2.0
    return np.sum(P["W"] * P["k"]) + np.sum(params["W"] ** 2)


def test_dict_of_params_is_a_copy_like_params_copy():
    params = {"W": RNG.standard_normal(3)}
    expected = 2.0 * np.tanh(X) + 2.0 * params["W"]
    np.testing.assert_allclose(srcdiff.grad(dict_of_params)(params, X)["W"], expected, rtol=1e-12)
    check(lambda_free_dict_of_params, X, params)


def lambda_free_dict_of_params(x, params):
    return dict_of_params(params, x)


def running_mean_through_rebound_name(x, bn_params):
    mu = np.mean(x, axis=0)
    cache = bn_params
    cache["running_mean"] = 0.9 * cache["running_mean"] + 0.1 * mu
    out = (x - cache["running_mean"]) * bn_params["gamma"]
    return np.sum(np.tanh(out))


def running_mean_local_dict(x, gamma):
    bn = {"running_mean": np.zeros(3), "gamma": gamma}
    cache = bn
    cache["running_mean"] = 0.9 * cache["running_mean"] + 0.1 * np.mean(x, axis=0)
    stats = bn
    return np.sum(np.tanh((x - stats["running_mean"]) * bn["gamma"]))


def test_a_dict_entry_replaced_through_a_rebound_name_is_followed():
    x = RNG.standard_normal((4, 3))
    bn = {"running_mean": RNG.standard_normal(3), "gamma": RNG.standard_normal(3)}
    check(running_mean_through_rebound_name, x, bn)  # and bn is not changed (checked there)
    check(running_mean_local_dict, x, RNG.standard_normal(3))


def dict_of_pairs(x):
    pairs = [("a", x), ("b", 2.0 * x)]
    Q = dict(pairs)
    return np.sum(Q["a"] * Q["b"])


def dict_of_pair_display(x):
    P = dict([("a", x), ("b", 2.0 * x)])
    return np.sum(P["a"] * P["b"])


def test_dict_of_something_else_than_a_dict_is_refused():
    for transform in (lambda: srcdiff.grad(dict_of_pairs)(X), lambda: srcdiff.jvp(dict_of_pairs, (X,), X)):
        with pytest.raises(srcdiff.NonDifferentiableError) as e:
            transform()
        assert "`dict(m)` as a copy of a dict `m`, but `m` is a list" in str(e.value)
    with pytest.raises(srcdiff.MissingRuleError) as e:
        srcdiff.grad(dict_of_pair_display)(X)
    located_at(str(e.value), dict_of_pair_display, "P = dict(")


def alias_in_branch(x, bn, flag):
    if flag:
        cache = bn
    else:
        cache = {"m": x}
    cache["m"] = x * 2.0
    return np.sum(cache["m"] * bn["m"])


def alias_then_rebound(x, bn):
    cache = bn
    bn = {"m": x}
    cache["m"] = x * 3.0
    return np.sum(cache["m"] * bn["m"])


@pytest.mark.parametrize("fn, args", [(alias_in_branch, ({"m": X}, True)), (alias_then_rebound, ({"m": X},))])
def test_a_write_through_a_name_that_may_hold_another_dict_is_refused(fn, args):
    for transform in (lambda: srcdiff.grad(fn)(X, *args), lambda: srcdiff.jvp(fn, (X,) + args, X, wrt=0)):
        with pytest.raises(srcdiff.NonDifferentiableError) as e:
            transform()
        located_at(str(e.value), fn, 'cache["m"] = x *')


# ------------------------------------------------------------------ list + list

def layers_by_concatenation(flat, x):
    params = []
    i = 0
    for n in (3, 3):
        W = flat[i:i + n * n].reshape(n, n)
        i = i + n * n
        b = flat[i:i + n]
        i = i + n
        params = params + [(W, b)]
    hs = [x]
    h = x
    for W, b in params:
        h = np.tanh(W @ h + b)
        hs = hs + [h]
    both = hs[:1] + hs[1:]
    return np.sum(both[-1] ** 2) + np.sum(hs[1] * x) + np.sum(np.concatenate([np.ravel(W) for W, b in params] +
                                                                            [b for W, b in params]) ** 2)


def test_list_concatenation_of_built_lists_is_differentiated():
    check(layers_by_concatenation, RNG.standard_normal(24), X)


def list_plus_argument(x, extra):
    hs = [x * 2.0]
    hs = hs + extra
    return np.sum(hs[0] * hs[1])


def test_plus_on_a_name_not_known_to_hold_a_list_is_refused_with_the_users_name():
    for transform in (lambda: srcdiff.grad(list_plus_argument)(X, [X]),
                      lambda: srcdiff.jvp(list_plus_argument, (X, [X]), X, wrt=0)):
        with pytest.raises(srcdiff.NonDifferentiableError) as e:
            transform()
        located_at(str(e.value), list_plus_argument, "hs = hs + extra")
        assert "`hs` holds a list" in str(e.value)


# ------------------------------------------------------------------ * and ** in calls

def dense(x, W, b, scale=1.0, act="tanh"):
    z = scale * (x @ W + b)
    return np.tanh(z) if act == "tanh" else np.maximum(z, 0.0)


def unpacked_calls(W, x, b):
    args = (x, W, b)
    opts = {"scale": 0.5, "act": "relu"}
    shape = (3, 2)
    h = dense(*args, **opts) + dense(*args)
    return np.sum(np.clip(*(h, -0.5, 0.5)) ** 2) + np.sum(W.reshape(*shape) ** 3) * opts["scale"]


def reshape_star_shape(flat, x, shapes):
    i = 0
    out = 0.0
    for shape in shapes:
        n = int(np.prod(shape))
        W = flat[i:i + n].reshape(*shape)
        i = i + n
        out = out + np.sum(np.tanh(W.transpose(*(1, 0)) @ x[:shape[0]]))
    return out


def test_unpacked_tuples_and_dicts_of_fixed_shape_are_differentiated():
    W, x, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 2)), RNG.standard_normal(3)
    check(unpacked_calls, W, x, b)
    check(reshape_star_shape, RNG.standard_normal(18), RNG.standard_normal(4), [(3, 4), (2, 3)])


def star_of_unknown_length(x, parts):
    return np.sum(np.stack([x, *parts]) * np.clip(x, *parts[:2]))


def sum_of_parts(x, *rest):
    return np.sum(x * x) + sum(np.sum(r) for r in rest)


def calls_a_varargs_function(x):
    return sum_of_parts(x, 2.0 * x, x ** 2)


def test_what_srcdiff_cannot_unpack_is_refused_at_the_users_line():
    with pytest.raises(srcdiff.MissingRuleError) as e:
        srcdiff.grad(star_of_unknown_length)(X, [X - 1.0, X + 1.0])
    located_at(str(e.value), star_of_unknown_length, "np.clip(x, *parts[:2])")
    assert "Pass the arguments one by one" in str(e.value)


def test_a_varargs_function_is_bound_at_the_call():  # it was refused; tests/front/test_calls_varargs.py
    check(calls_a_varargs_function, X)


def starred_display_in_loop(x):
    hs = [x]
    for k in range(2):
        hs = [*hs, np.sin(hs[-1])]
    return np.sum(hs[-1])


def starred_display(x):
    a = [x, 2.0 * x]
    b = [*a]
    return np.sum(b[1] * b[0])


def starred_display_of_constants(x):
    sizes = [*(3, 4), 5]
    return np.sum(x ** 2) * len(sizes)


def test_a_display_with_a_starred_item_is_refused_not_a_zero_gradient():
    # it was differentiated as if the starred items were constants: a zero gradient
    for fn, needle in ((starred_display_in_loop, "hs = [*hs,"), (starred_display, "b = [*a]")):
        for transform in (lambda: srcdiff.grad(fn)(X), lambda: srcdiff.jvp(fn, (X,), X)):
            with pytest.raises(srcdiff.SrcdiffError) as e:
                transform()
            located_at(str(e.value), fn, needle)
            assert "starred item" in str(e.value)
    check(starred_display_of_constants, X)
