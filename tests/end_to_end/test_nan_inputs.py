"""NaN and out-of-domain inputs (issue 15, item 7): NaN in, NaN out, and strong zeros.

A zero cotangent (reverse) or tangent (forward) times any partial derivative, even an infinite or
NaN one, is exactly 0, so the branch of ``numpy.where`` that was not taken contributes nothing;
a nonzero one times a NaN or infinite partial is NaN or infinite, so a NaN or out-of-domain entry
gives NaN there and a pole gives inf. Each rule below is checked in both modes.
"""
import math

import numpy as np
import pytest

import srcdiff

try:
    import scipy.special as special
except ImportError:  # pragma: no cover
    special = None

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns at these points


# the functions differentiated: u(x) summed, and u(x) guarded by np.where (x where u is not defined)

def summed(x, u):
    return np.sum(u(x))


def guarded(x, u, lo, hi):
    return np.sum(np.where((x > lo) & (x < hi), u(x), x))


def reciprocal_op(x):
    return 1.0 / x


def power_half(x):
    return x ** 0.5


def power_minus_one(x):
    return x ** -1.0


def power_three_halves(x):
    return x ** 1.5


def builtin_pow_half(x):
    return pow(x, 0.5)


def divides_a_sum(x):
    return (x + 1.0) / x


# (rule, u, open domain (lo, hi), out-of-domain points, singular points where |u'| is infinite)
RULES = [
    ("sqrt", np.sqrt, (0.0, np.inf), [-1.0], [0.0]),
    ("log", np.log, (0.0, np.inf), [-1.0], [0.0]),
    ("log2", np.log2, (0.0, np.inf), [-2.0], [0.0]),
    ("log10", np.log10, (0.0, np.inf), [-0.5], [0.0]),
    ("log1p", np.log1p, (-1.0, np.inf), [-3.0], [-1.0]),
    ("arcsin", np.arcsin, (-1.0, 1.0), [2.0, -1.5], [1.0, -1.0]),
    ("arccos", np.arccos, (-1.0, 1.0), [2.0, -1.5], [1.0, -1.0]),
    ("arccosh", np.arccosh, (1.0, np.inf), [0.5], [1.0]),
    ("arctanh", np.arctanh, (-1.0, 1.0), [2.0, -3.0], [1.0, -1.0]),
    ("cbrt", np.cbrt, (0.0, np.inf), [], [0.0]),
    ("reciprocal", np.reciprocal, (0.0, np.inf), [], [0.0]),
    ("1.0 / x", reciprocal_op, (0.0, np.inf), [], [0.0]),
    ("(x + 1.0) / x", divides_a_sum, (0.0, np.inf), [], [0.0]),
    ("x ** 0.5", power_half, (0.0, np.inf), [-1.0], [0.0]),
    ("x ** -1.0", power_minus_one, (0.0, np.inf), [], [0.0]),
    ("x ** 1.5", power_three_halves, (0.0, np.inf), [-1.0], []),
    ("pow(x, 0.5)", builtin_pow_half, (0.0, np.inf), [-1.0], [0.0]),
]
if special is not None:
    RULES += [
        ("logit", special.logit, (0.0, 1.0), [-0.5, 2.0], [0.0, 1.0]),
        ("erfinv", special.erfinv, (-1.0, 1.0), [1.5], [1.0, -1.0]),
        ("ndtri", special.ndtri, (0.0, 1.0), [1.5], [0.0, 1.0]),
        ("gammaln", special.gammaln, (0.0, np.inf), [], [0.0, -1.0]),
    ]
IDS = [r[0] for r in RULES]
INSIDE = 0.5  # a point inside every open domain above except arccosh's
NAN = float("nan")


def inside(lo, hi):
    return INSIDE if lo < INSIDE < hi else 2.0


def forward_partials(fun, x, *rest):
    """d fun / d x_i for every i, each by one jvp along e_i (the other tangents exactly 0)."""
    eye = np.eye(x.size)
    return np.array([srcdiff.jvp(fun, (x,) + rest, eye[i])[1] for i in range(x.size)])


@pytest.mark.parametrize("rule, u, domain, outside, singular", RULES, ids=IDS)
def test_nan_and_out_of_domain_entries_give_nan(rule, u, domain, outside, singular):
    x = np.array([NAN] + outside + [inside(*domain)])
    reverse = srcdiff.grad(summed)(x, u)
    forward = forward_partials(summed, x, u)
    assert np.isnan(reverse[:-1]).all() and np.isnan(forward[:-1]).all(), (reverse, forward)
    # the good entry is the derivative there in both modes: a zero tangent times a NaN partial is 0
    h = 1e-6
    fd = (u(x[-1] + h) - u(x[-1] - h)) / (2 * h)
    np.testing.assert_allclose([reverse[-1], forward[-1]], fd, rtol=1e-6)


@pytest.mark.parametrize("rule, u, domain, outside, singular", [r for r in RULES if r[4]],
                         ids=[r[0] for r in RULES if r[4]])
def test_singular_points_give_inf_not_a_hidden_zero(rule, u, domain, outside, singular):
    # inf, or NaN where two infinite terms meet (the gamma function's poles; (x + 1) / x in
    # reverse mode, whose two operands' adjoints are inf and -inf)
    x = np.array(singular + [inside(*domain)])
    reverse = srcdiff.grad(summed)(x, u)
    forward = forward_partials(summed, x, u)
    assert not np.isfinite(reverse[:-1]).any() and not np.isfinite(forward[:-1]).any(), (reverse, forward)
    assert reverse[-1] == forward[-1] and np.isfinite(reverse[-1])


@pytest.mark.parametrize("rule, u, domain, outside, singular", RULES, ids=IDS)
def test_untaken_where_branch_contributes_zero(rule, u, domain, outside, singular):
    x = np.array([NAN] + outside + singular + [inside(*domain)])
    reverse = srcdiff.grad(guarded)(x, u, *domain)
    forward = forward_partials(guarded, x, u, *domain)
    np.testing.assert_array_equal(reverse[:-1], 1.0)  # the x branch, taken: NaN > lo is False
    np.testing.assert_array_equal(forward, reverse)
    h = 1e-6
    fd = (u(x[-1] + h) - u(x[-1] - h)) / (2 * h)
    np.testing.assert_allclose(reverse[-1], fd, rtol=1e-6)


def where_log(x):
    return np.sum(np.where(x > 0, np.log(x), x))


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def where_sqrt_scalar(x):
    return np.where(x > 0, np.sqrt(x), 0.0)


def test_issue_examples():
    np.testing.assert_array_equal(srcdiff.grad(where_log)(np.array([0.0, 1.0])), [1.0, 1.0])
    np.testing.assert_array_equal(srcdiff.grad(where_sqrt)(np.array([-1.0, 0.0, 4.0])), [0.0, 0.0, 0.25])
    sqrt_grad = srcdiff.grad(summed)(np.array([NAN, -1.0, 4.0]), np.sqrt)
    np.testing.assert_array_equal(sqrt_grad, [NAN, NAN, 0.25])
    assert np.isnan(srcdiff.jvp(summed, (np.array([NAN, -1.0, 4.0]), np.sqrt), np.ones(3))[1])


@pytest.mark.parametrize("fun", [where_log, where_sqrt])
def test_hessian_of_a_where_guarded_function(fun):
    x = np.array([-1.0, -0.5, 0.0, 4.0])
    hess = srcdiff.hessian(fun)(x)
    assert np.isfinite(hess).all()
    np.testing.assert_array_equal(hess, np.diag(np.diag(hess)))
    g = srcdiff.grad(fun)
    h = 1e-5
    for i in range(x.size):
        e = np.eye(x.size)[i] * h
        # at 0 (the edge of the branch taken) from the left, where that branch is
        fd = (g(x) - g(x - e)) / h if x[i] == 0 else (g(x + e) - g(x - e)) / (2 * h)
        np.testing.assert_allclose(hess[i], fd, rtol=1e-5, atol=1e-8)
    v = np.array([1.0, -2.0, 3.0, 0.5])
    np.testing.assert_allclose(srcdiff.hvp(fun)(x, v), hess @ v, rtol=1e-12)


@pytest.mark.parametrize("x", [-1.0, 0.0, 4.0])
def test_reverse_over_reverse_in_an_untaken_branch(x):
    second = srcdiff.grad(srcdiff.grad(where_sqrt_scalar))(x)
    assert second == (-0.25 * x ** -1.5 if x > 0 else 0.0)


def math_sqrt(x):
    return math.sqrt(x) + math.asin(x) + math.acos(x)


def test_math_functions_at_singular_points_give_inf_not_an_error():
    # before: ZeroDivisionError in the generated code
    assert not math.isfinite(srcdiff.grad(math_sqrt)(1.0))  # asin and acos at 1: inf - inf
    value = srcdiff.grad(math_sqrt)(0.0)
    assert math.isinf(value) and value > 0
    assert math.isinf(srcdiff.jvp(math_sqrt, (0.0,), 1.0)[1])
    assert srcdiff.jvp(math_sqrt, (0.0,), 0.0)[1] == 0.0


# --- NaN propagates through the documented conventions at single points, which stay exact there


def hypot_sum(x, y):
    return np.sum(np.hypot(x, y))


def arctan2_sum(x, y):
    return np.sum(np.arctan2(x, y))


def std_rows(x):
    return np.sum(np.std(x, axis=1))


def max_sum(x, y):
    return np.sum(np.maximum(x, y)) + np.sum(np.minimum(x, 2.0 * y))


def relu_sum(x):
    return np.sum(np.maximum(x, 0.0)) + np.sum(np.minimum(x, 0.0) * 3.0)


@pytest.mark.parametrize("fun", [hypot_sum, arctan2_sum, max_sum])
def test_nan_propagates_through_binary_rules(fun):
    x, y = np.array([NAN, 0.0, 3.0, 1.0]), np.array([1.0, 0.0, 4.0, 2.0])
    gx, gy = srcdiff.grad(fun, wrt=(0, 1))(x, y)
    assert np.isnan(gx[0]) and np.isnan(gy[0])
    assert np.isfinite(gx[1:]).all() and np.isfinite(gy[1:]).all()
    tx = srcdiff.jvp(fun, (x, y), (np.array([1.0, 0, 0, 0]), np.zeros(4)), wrt=(0, 1))[1]
    assert np.isnan(tx)
    fine = (x[1:], y[1:])  # forward mode without the NaN entry (its tangent 0 times NaN data is NaN)
    for i in range(3):
        e = np.eye(3)[i]
        np.testing.assert_allclose(srcdiff.jvp(fun, fine, (e, e), wrt=(0, 1))[1], gx[i + 1] + gy[i + 1],
                                   rtol=1e-14, atol=1e-16)


def test_nan_propagates_through_relu_and_std():
    x = np.array([NAN, -1.0, 0.0, 2.0])
    g = srcdiff.grad(relu_sum)(x)
    assert np.isnan(g[0]) and np.isfinite(g[1:]).all()
    rows = np.array([[NAN, 1.0, 2.0], [1.5, 1.5, 1.5], [1.0, 2.0, 4.0]])
    g = srcdiff.grad(std_rows)(rows)
    assert np.isnan(g[0]).all()
    np.testing.assert_array_equal(g[1], 0.0)  # std of constant data: the documented 0
    assert np.isfinite(g[2]).all()
    t = srcdiff.jvp(std_rows, (rows,), np.eye(3)[0][:, None] * np.ones(3))[1]
    assert np.isnan(t)


def variable_power(x, p):
    return np.sum(x ** p)


def test_variable_exponent_at_a_negative_base_is_nan_and_zero_when_untaken():
    x, p = np.array([-2.0, 0.0, 2.0]), np.array([2.0, 2.0, 0.5])
    gx, gp = srcdiff.grad(variable_power, wrt=(0, 1))(x, p)
    np.testing.assert_allclose(gx, [-4.0, 0.0, 0.5 * 2.0 ** -0.5])
    assert np.isnan(gp[0]) and gp[1] == 0.0  # 0 ** p at 0: the documented 0
    tp = forward_partials(lambda_free_power, p, x)
    np.testing.assert_array_equal(tp[1:], gp[1:])


def lambda_free_power(p, x):
    return np.sum(x ** p)


def where_exp(x):
    return np.sum(np.where(x < 100.0, np.exp(x), 0.0))


def where_exp_clipped(x):
    return np.sum(np.where(x < 100.0, np.exp(np.minimum(x, 100.0)), 0.0))


def test_overflow_in_the_branch_not_taken_contributes_zero():
    """exp(1000) overflows to inf in the branch not taken: its zero cotangent times inf is a strong
    0 (tests/analysis/test_masked_nan.py); clipping inside the branch gives the same."""
    x = np.array([1000.0, 1.0])
    np.testing.assert_array_equal(srcdiff.grad(where_exp)(x), [0.0, np.exp(1.0)])
    np.testing.assert_array_equal(srcdiff.grad(where_exp_clipped)(x), [0.0, np.exp(1.0)])
