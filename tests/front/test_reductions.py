"""``functools.reduce`` with a lambda or a named function (issue 17): written as the loop it runs,
in both modes; a ``reduce`` that is not functools' keeps the lambda refused."""
import functools
from functools import reduce
from functools import reduce as fold

import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import check_both_modes, located_at

X3 = np.array([0.3, -1.2, 0.8])
MATS = [np.array([[0.5, -0.2, 0.1], [0.3, 0.9, -0.4], [0.2, 0.1, 0.7]]) * k for k in (1.0, -0.7, 1.3)]


def lambda_with_initial(x, mats):
    h = reduce(lambda h, W: np.tanh(W @ h), mats, x)
    return np.sum(h ** 2)


def lambda_without_initial(x):
    parts = [x, np.sin(x), x * x]
    return np.sum(functools.reduce(lambda a, b: a * b + a, parts))


def named_function(x):
    return np.sum(fold(np.multiply, [x, np.cos(x), x + 1.0]))


def over_array_rows(x):
    rows = np.outer(x, x)
    return np.sum(reduce(lambda acc, r: acc * 0.5 + np.tanh(r), rows))


def local_step(x):
    def step(h, w):
        return np.sin(h) * w
    return np.sum(reduce(step, [x, 2.0 * x, 3.0], x))


@pytest.mark.parametrize("f", [lambda_without_initial, named_function, over_array_rows, local_step])
def test_reduce_is_differentiated(f):
    check_both_modes(f, X3)


def test_reduce_with_an_initial_value_over_a_list_parameter():
    check_both_modes(lambda_with_initial, X3, MATS)


def test_reduce_over_layers_wrt_the_layers():
    g = srcdiff.grad(lambda_with_initial, wrt=1)(X3, MATS)
    h = 1e-6
    for k, W in enumerate(MATS):
        for idx in np.ndindex(W.shape):
            up = [m.copy() for m in MATS]
            down = [m.copy() for m in MATS]
            up[k][idx] += h
            down[k][idx] -= h
            fd = (lambda_with_initial(X3, up) - lambda_with_initial(X3, down)) / (2 * h)
            np.testing.assert_allclose(g[k][idx], fd, rtol=1e-6, atol=1e-8)


def first_of(f, xs, start):
    return start


def users_own_reduce(x):
    reduce = first_of  # a user's own reduce: not functools', so its lambda stays refused
    return np.sum(reduce(lambda a, b: a + b, [x], x))


def test_a_lambda_passed_to_another_reduce_is_refused_at_its_line():
    with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
        srcdiff.grad(users_own_reduce)(X3)
    located_at(str(info.value), users_own_reduce, "lambda a, b: a + b")
