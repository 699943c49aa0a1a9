"""A factor of the chain rule that is exactly 0 (a power's partial at exponent 0) times an infinite
one (``np.arccos``'s at 1, ``np.sqrt``'s at 0) is 0 in both modes, as the function is constant
there; the differential fuzzer found reverse mode giving NaN (issue 15)."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import numeric_grad

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def arccos_of_a_constant_power(x, c):
    # c is 0: the power is 1 wherever x is, and arccos is at the end of its domain
    v = (1.0 + x ** 2) ** c
    return np.sum(np.arccos(v))


def arccos_of_power_with_computed_exponent(x):
    # the fuzzer's program, shrunk: the exponent is a variance of equal numbers, 0 at run time
    e = np.tanh(np.var(np.stack([2.0, 2.0, 2.0])))
    v = (1.0 + x ** 2) ** e
    return np.sum(np.arccos(v[0]))


def power_zero_of_a_sqrt(x, c):
    # forward mode: the tangent of sqrt at 0 is inf, the power's partial 0
    return np.sum(np.sqrt(x) ** c)


def fuzzer_program(x, y):
    if np.sum(x @ x.T) > 1.706:
        v0 = x
    else:
        acc1 = np.sin(x)
        acc2 = 0.0
        for i in range(3):
            acc2 += (1.0 + acc2 * acc2) ** 0.5
        acc1[[0]] += np.array([1.0, -0.95, 0.33])
        v0 = (1.0 + acc1 ** 2) ** np.tanh((np.stack([acc2, acc2, acc2], axis=0).var()))
    for r in x:
        np.linalg.det(4.0 * np.eye(3) + np.tanh(np.subtract(r, np.remainder(x, 1.5))))
    return np.sum(np.arccos(v0[0]))


X = np.array([[0.804101, 1.220739, -0.283384], [-0.478048, -1.177224, 1.367759],
              [-0.195782, 0.808263, -0.382576]])
Y = np.array([[0.763941, 0.507049, 0.829561], [0.132268, 0.025752, -0.61938],
              [-0.58595, -1.18484, -1.050054]])
CASES = [(arccos_of_a_constant_power, (np.array([0.3, -0.5, 0.0]), 0.0)),
         (arccos_of_power_with_computed_exponent, (X,)),
         (power_zero_of_a_sqrt, (np.array([0.0, 1.0, 4.0]), 0.0)),
         (fuzzer_program, (X, Y))]


@pytest.mark.parametrize("f, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_zero_partial_times_infinite_one_is_zero_in_both_modes(f, args):
    x, rest = args[0], args[1:]
    expected = numeric_grad(lambda u: f(u, *rest), x)
    np.testing.assert_array_equal(expected, 0.0)  # the function is constant in x
    for mode in ("reverse", "forward"):
        np.testing.assert_array_equal(srcdiff.grad(f, wrt=0, mode=mode)(*args), expected)
    _, pullback = srcdiff.vjp(f, *args, wrt=0)
    np.testing.assert_array_equal(pullback(1.0), expected)
    tangents = (np.ones_like(x),) + tuple(np.zeros_like(np.asarray(a)) for a in rest)
    assert srcdiff.jvp(f, args, tangents)[1] == 0.0


def root_power(x):
    return np.sum(np.sqrt(x) ** 2.5)


def test_a_power_of_a_sqrt_at_zero_is_zero_in_both_modes():
    # x ** 1.25: sqrt's partial at 0 is inf, the power's 2.5 * 0 ** 1.5 is 0, the derivative 0
    x = np.array([0.0, 4.0, 0.25])
    expected = 1.25 * x ** 0.25
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(root_power, mode=mode)(x), expected, rtol=1e-12)


def test_outside_the_domain_stays_nan():
    # arccos(1 + x ** 2) is NaN for every x but 0: no hidden zero there
    g = srcdiff.grad(arccos_of_a_constant_power)(np.array([0.0, 0.5]), 1.0)
    assert np.isnan(g).all()
