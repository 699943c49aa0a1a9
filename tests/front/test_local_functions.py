"""Functions defined inside the differentiated function (issue 17 item 1): ``def`` and ``name = lambda``
helpers are written out at their calls; what cannot be written out faithfully is refused at its line."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import check_both_modes, located_at, numeric_grad

X3 = np.array([0.3, -1.2, 0.8])


def with_predict(w, data):
    def predict(inputs):
        h = np.tanh(inputs * w)
        return np.sum(h ** 2)
    total = 0.0
    for row in data:
        total = total + predict(row)
    return total + predict(data[0] * 2.0)


def test_a_def_reading_the_enclosing_parameters_is_differentiated():
    check_both_modes(with_predict, X3, np.array([[1.0, 2.0, -0.5], [0.4, 0.1, 3.0]]))


def with_lambda(x):
    sq = lambda r: r ** 2  # noqa: E731
    cube = lambda r, k=3: r ** k  # noqa: E731
    return np.sum(sq(np.sin(x))) + np.sum(cube(x)) + np.sum(cube(x, k=2))


def test_lambdas_bound_to_names_are_differentiated():
    check_both_modes(with_lambda, X3)


def late_binding(x):
    a = 1.0
    def scaled(t):
        return a * t
    first = scaled(x)
    a = np.cos(x)  # a closure reads `a` when it is called: the second call sees this value
    return np.sum(first + scaled(x))


def test_free_names_are_read_when_the_helper_is_called():
    check_both_modes(late_binding, X3)
    assert np.allclose(srcdiff.grad(late_binding)(X3), numeric_grad(late_binding, X3), rtol=1e-6)


def default_at_def_time(x):
    s = 2.0
    def g(t, k=s):
        return k * t
    s = 5.0
    return np.sum(g(x)) + s


def test_defaults_are_evaluated_where_the_def_runs():
    np.testing.assert_allclose(srcdiff.grad(default_at_def_time)(X3), 2.0 * np.ones(3))
    check_both_modes(default_at_def_time, X3)


def helpers_calling_helpers(x):
    def outer(t):
        return inner(t) * 2.0  # defined later, called after both exist
    def inner(t):
        if np.sum(t) > 0:
            return np.exp(t)
        u = t * 3.0
        return u ** 2
    return np.sum(outer(x)) + np.sum(inner(-x))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_helpers_calling_helpers_and_early_returns(sign):
    check_both_modes(helpers_calling_helpers, sign * X3)


def nested_helper(x):
    def layer(t):
        def act(u):
            return np.tanh(u)
        return act(t) * t
    return np.sum(layer(layer(x)))


def test_a_helper_with_its_own_helper():
    check_both_modes(nested_helper, X3)


def writes_into_cache(x):
    cache = []
    def layer(t):
        out = np.sin(t)
        cache.append(out)
        return out
    y = layer(x)
    z = layer(y)
    return np.sum(z) + np.sum(cache[0])


def test_a_helper_appending_to_an_enclosing_list_as_layers_do():
    check_both_modes(writes_into_cache, X3)


def test_the_gradient_source_shows_the_helper_written_out():
    src = srcdiff.grad(with_predict).source
    assert "predict_h" in src and "def predict" not in src


# ----------------------------------------------------------------------------- refused


def recursive_helper(x):
    def fact(n, t):
        if n == 0:
            return t
        return fact(n - 1, t) * t
    return np.sum(fact(3, x))


def mutually_recursive(x):
    def a(t):
        return b(t) + 1.0
    def b(t):
        return a(t) * 2.0
    return np.sum(a(x))


def passed_as_value(x):
    def sq(t):
        return t ** 2
    return np.sum(list(map(sq, x)))


def def_in_loop(x):
    total = 0.0
    for i in range(2):
        def g(t):
            return t * i
        total = total + np.sum(g(x))
    return total


def return_in_loop(x):
    def first_positive(t):
        for v in t:
            if v > 0:
                return v
        return 0.0
    return first_positive(x) * 2.0


def in_comprehension(x):
    def sq(t):
        return t ** 2
    return np.sum([sq(v) for v in x])


def varargs_helper(x):
    def total(*parts):
        return sum(parts)
    return np.sum(total(x, x))


def test_a_helper_with_star_args_is_bound_at_its_call():
    check_both_modes(varargs_helper, X3)  # tests/front/test_calls_varargs.py has more


def reordered_write(x):
    state = np.zeros(3)
    def bump(t):
        state[0] = 5.0
        return t
    return np.sum(state * x) + np.sum(bump(x))


@pytest.mark.parametrize("fn, needle, words", [pytest.param(*case, id=case[0].__name__) for case in [
    (recursive_helper, "def fact(n, t):", "calls itself"),
    (mutually_recursive, "def b(t):", "`b` and `a` call each other"),
    (passed_as_value, "return np.sum(list(map(sq, x)))", "used as a value"),
    (def_in_loop, "def g(t):", "inside a block"),
    (return_in_loop, "for v in t:", "returns from inside a loop"),
    (in_comprehension, "return np.sum([sq(v) for v in x])", "comprehension"),
    (reordered_write, "return np.sum(state * x) + np.sum(bump(x))", "changes values it does not own"),
]])
def test_what_cannot_be_written_out_is_refused_at_its_line(fn, needle, words):
    x = X3.copy()
    for transform in (lambda: srcdiff.grad(fn)(x), lambda: srcdiff.jvp(fn, (x,), np.ones(3))):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            transform()
        assert words in str(info.value)
        located_at(str(info.value), fn, needle)


def _factory(scale, act):
    def objective(x):
        return np.sum(act(x) * scale)
    return objective


continued_lambda = _factory(2.0,
                            act=lambda x: np.tanh(x) * 0.5 + x ** 2)


def test_a_lambda_on_a_continuation_line_of_a_call_is_read():
    # the line of a lambda passed as an argument of a call written over several lines does not parse alone
    check_both_modes(continued_lambda, X3)
