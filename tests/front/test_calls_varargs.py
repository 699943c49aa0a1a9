"""Functions with ``*args`` and ``**kwargs`` (issue 17): a call of known shape binds them, a local
``def`` or a callee of the same module is written out at the call; what cannot be bound is refused."""
import numpy as np
import pytest

import srcdiff
from srcdiff.errors import SrcdiffError
from tests.support import varargs_helpers
from tests.support.trust_helpers import check_both_modes, located_at

X3 = np.array([0.3, -1.2, 0.8])
W = np.array([[0.5, -0.2, 0.1], [0.3, 0.9, -0.4], [0.2, 0.1, 0.7]])


def stack_and_project(weights, *parts):
    cat = np.hstack(parts + (np.ones(1),))
    return np.tanh(cat @ weights)


def with_star_args(x, w):
    return np.sum(stack_and_project(w, x, np.sin(x)) ** 2)


def test_a_callee_with_star_args_gets_the_call_s_positional_arguments():
    w = np.linspace(-1.0, 1.0, 14).reshape(7, 2)
    check_both_modes(with_star_args, X3, w)


def dense(x, activation="tanh", **unused):
    z = W @ x
    if activation == "tanh":
        return np.tanh(z)
    return z * unused.get("scale", 1.0)


def stack(x, *layers, **options):
    act = options.get("activation", "tanh")
    for scale in layers[:-1]:
        x = dense(x * scale, activation=act)
    return dense(x * layers[-1], activation="linear", scale=options.get("scale", 2.0))


def with_forwarded_options(x, s, **options):
    scales = [s, 2.0 * s, 0.5]
    return np.sum(stack(x, *scales, **options) ** 2)


def test_star_args_and_kwargs_are_forwarded_through_two_callees():
    check_both_modes(with_forwarded_options, X3, 0.7)


def with_options_given(x, s):
    return with_forwarded_options(x, s, activation="relu", scale=3.0)


def test_keyword_options_reach_the_innermost_callee():
    check_both_modes(with_options_given, X3, 0.7)


def local_varargs(x):
    def total(first, *rest, power=2, **weights):
        out = first ** power
        for r in rest:
            out = out + weights.get("w", 1.0) * r
        return np.sum(out)
    return total(x, np.sin(x), x * x, w=0.5) + total(np.cos(x), power=3)


def test_a_local_def_with_star_args_and_kwargs():
    check_both_modes(local_varargs, X3)


def test_starred_arguments_that_fill_named_parameters_are_refused_at_the_line():
    def refusing(x):
        def pair(a, *rest):
            return a + sum(rest)
        xs = [x, x]
        return np.sum(pair(*xs))
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(refusing)(X3)
    located_at(str(info.value), refusing, "return np.sum(pair(*xs))")
    assert "depends on a length known only when it runs" in str(info.value)


def test_unpacked_kwargs_that_may_fill_a_named_parameter_are_refused():
    def refusing(x, opts):
        def scaled(a, k=1.0, **rest):
            return a * k
        return np.sum(scaled(x, **opts))
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(refusing)(X3, {"k": 2.0})
    located_at(str(info.value), refusing, "return np.sum(scaled(x, **opts))")
    assert "`k`" in str(info.value)


def across_modules(a, b):
    return np.sum(varargs_helpers.other(a, b, b))


def test_a_varargs_callee_from_another_module_is_refused_not_differentiated():
    # transformed on its own, such a callee used to give a zero gradient for the values in *rest
    for run in (lambda: srcdiff.grad(across_modules, wrt=1)(X3, X3),
                lambda: srcdiff.jvp(across_modules, (X3, X3), X3, wrt=1)):
        with pytest.raises(SrcdiffError) as info:
            run()
        assert "varargs_helpers.py" in str(info.value) and "*rest" in str(info.value)


def top_level_star(x, *rest):
    return np.sum(x * x) + sum(np.sum(r) for r in rest)


def test_the_differentiated_function_may_take_star_args():  # it was refused (tests/api/test_errors.py)
    check_both_modes(top_level_star, X3)
    check_both_modes(top_level_star, X3, X3, 2.0)
