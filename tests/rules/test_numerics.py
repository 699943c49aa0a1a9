"""Numerically careful derivative rules: large inputs, zeros, ties, NaNs, powers of zero.

Also the complex-number convention (srcdiff/rules/numpy_complex.py).
"""
import numpy as np
import pytest

import srcdiff

try:
    import scipy.special as special
except ImportError:  # pragma: no cover
    special = None

needs_scipy = pytest.mark.skipif(special is None, reason="SciPy is not installed")


def grad(fun, *args, wrt=0):
    return srcdiff.grad(fun, wrt=wrt)(*args)


def tangent(fun, args, tangents, wrt=0):
    return srcdiff.jvp(fun, args, tangents, wrt=wrt)[1]


def assert_finite(*values):
    for v in values:
        assert np.all(np.isfinite(v)), v


# ------------------------------------------------------------ large inputs


def logaddexp_sum(x, y):
    return np.sum(np.logaddexp(x, y))


def logaddexp2_sum(x, y):
    return np.sum(np.logaddexp2(x, y))


BIG_X = np.array([1000.0, -1000.0, 800.0, 0.0])
BIG_Y = np.array([1000.5, 3.0, -800.0, 1e-300])


def test_logaddexp_large_inputs():
    gx, gy = grad(logaddexp_sum, BIG_X, BIG_Y, wrt=(0, 1))
    z = np.logaddexp(BIG_X, BIG_Y)
    np.testing.assert_allclose(gx, np.exp(BIG_X - z), rtol=1e-12)
    np.testing.assert_allclose(gy, np.exp(BIG_Y - z), rtol=1e-12)
    np.testing.assert_allclose(gx + gy, 1.0, rtol=1e-12)
    t = tangent(logaddexp_sum, (BIG_X, BIG_Y), (np.ones(4), np.ones(4)), wrt=(0, 1))
    np.testing.assert_allclose(t, 4.0, rtol=1e-12)


def test_logaddexp2_large_inputs():
    gx, gy = grad(logaddexp2_sum, BIG_X, BIG_Y, wrt=(0, 1))
    assert_finite(gx, gy)
    np.testing.assert_allclose(gx + gy, 1.0, rtol=1e-12)


def lse(a):
    return special.logsumexp(a)


def lse_rows(a):
    return np.sum(special.logsumexp(a, axis=1) * np.array([1.0, 2.0]))


def lse_weighted(a, b):
    return special.logsumexp(a, b=b)


def softmax_first(x):
    return special.softmax(x)[0]


def log_softmax_sum(x):
    return np.sum(special.log_softmax(x) * np.array([1.0, -2.0, 0.5]))


@needs_scipy
def test_logsumexp_large_inputs():
    a = np.array([1000.0, 1001.0, 999.0])
    g = grad(lse, a)
    np.testing.assert_allclose(g, special.softmax(a), rtol=1e-12)
    rows = np.array([[1e4, 1e4 + 1.0, -1e4], [-5e3, -5e3, 0.0]])
    g = grad(lse_rows, rows)
    assert_finite(g)
    np.testing.assert_allclose(np.sum(g, axis=1), [1.0, 2.0], rtol=1e-12)
    assert_finite(tangent(lse, (a,), np.ones(3)))
    ga, gb = grad(lse_weighted, a, np.array([0.5, 2.0, 1.0]), wrt=(0, 1))
    assert_finite(ga, gb)
    np.testing.assert_allclose(np.sum(ga), 1.0, rtol=1e-12)


@needs_scipy
def test_softmax_large_inputs():
    x = np.array([800.0, 805.0, -900.0])
    assert_finite(grad(softmax_first, x), grad(log_softmax_sum, x), tangent(softmax_first, (x,), np.ones(3)))


def log_ndtr_sum(x):
    return np.sum(special.log_ndtr(x))


@needs_scipy
def test_log_ndtr_far_tail():
    x = np.array([-40.0, -10.0, 0.0, 5.0])
    g = grad(log_ndtr_sum, x)
    assert_finite(g)
    np.testing.assert_allclose(g[0], 40.0, rtol=1e-3)  # phi(x) / Phi(x) ~ -x far left


# ------------------------------------------------------------ zeros


def sqrt_sum(x):
    return np.sum(np.sqrt(x))


def norm_of(x):
    return np.linalg.norm(x)


def norm_rows(x):
    return np.sum(np.linalg.norm(x, axis=1))


def vector_norm_of(x):
    return np.linalg.vector_norm(x, ord=3)


def matrix_norm_of(x):
    return np.sum(np.linalg.matrix_norm(x, ord="nuc")) + np.sum(np.linalg.matrix_norm(x, ord=2))


def hypot_sum(x, y):
    return np.sum(np.hypot(x, y))


def abs_sum(x):
    return np.sum(np.abs(x))


def std_of(x):
    return np.std(x) + np.sum(np.nanstd(x, axis=0))


def test_sqrt_at_zero():
    # d sqrt(x) / dx = 1 / (2 sqrt(x)) is +inf at 0, as arithmetic says (issue 15 item 7: before,
    # 0 hid it); a zero tangent there gives exactly 0 (a strong zero)
    x = np.array([0.0, 1.0, 4.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(grad(sqrt_sum, x), [np.inf, 0.5, 0.25])
        np.testing.assert_array_equal(tangent(sqrt_sum, (x,), np.ones(3)), np.inf)
        np.testing.assert_array_equal(tangent(sqrt_sum, (x,), np.array([0.0, 1.0, 1.0])), 0.75)


def test_norms_at_zero():
    zero = np.zeros(4)
    np.testing.assert_array_equal(grad(norm_of, zero), zero)
    np.testing.assert_array_equal(grad(vector_norm_of, zero), zero)
    rows = np.array([[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(grad(norm_rows, rows), [[0.0, 0.0], [0.6, 0.8]])
    np.testing.assert_array_equal(grad(matrix_norm_of, np.zeros((2, 3, 3))), np.zeros((2, 3, 3)))
    assert_finite(tangent(norm_of, (zero,), np.ones(4)), tangent(norm_rows, (rows,), np.ones((2, 2))))


def test_hypot_and_abs_at_zero():
    gx, gy = grad(hypot_sum, np.array([0.0, 3.0]), np.array([0.0, 4.0]), wrt=(0, 1))
    np.testing.assert_allclose(gx, [0.0, 0.6])
    np.testing.assert_allclose(gy, [0.0, 0.8])
    np.testing.assert_array_equal(grad(abs_sum, np.array([0.0, -2.0, 3.0])), [0.0, -1.0, 1.0])


def test_std_of_constant_input():
    x = np.full((3, 2), 1.5)
    np.testing.assert_array_equal(grad(std_of, x), np.zeros((3, 2)))


# ------------------------------------------------------------ ties


def max_all(x):
    return np.max(x)


def amax_rows(x):
    return np.sum(np.amax(x, axis=1))


def nanmax_all(x):
    return np.nanmax(x)


def maximum_sum(x, y):
    return np.sum(np.maximum(x, y))


def min_cols_keepdims(x):
    return np.sum(np.min(x, axis=0, keepdims=True))


def test_max_ties_split_evenly():
    """numpy.max's rule (and amax, nanmax, min, maximum) gives each of k tied entries 1/k."""
    np.testing.assert_allclose(grad(max_all, np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    np.testing.assert_allclose(grad(amax_rows, np.array([[2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])),
                               [[1 / 3, 1 / 3, 1 / 3], [0.0, 0.5, 0.5]])
    np.testing.assert_allclose(grad(nanmax_all, np.array([2.0, np.nan, 2.0])), [0.5, 0.0, 0.5])
    np.testing.assert_allclose(grad(min_cols_keepdims, np.array([[1.0, 0.0], [1.0, 2.0]])), [[0.5, 1.0], [0.5, 0.0]])
    gx, gy = grad(maximum_sum, np.array([1.0, 2.0]), np.array([1.0, 0.0]), wrt=(0, 1))
    np.testing.assert_allclose(gx, [0.5, 1.0])
    np.testing.assert_allclose(gy, [0.5, 0.0])
    np.testing.assert_allclose(tangent(max_all, (np.array([1.0, 3.0, 3.0]),), np.array([0.0, 1.0, 3.0])), 2.0)


# ------------------------------------------------------------ NaN in the branch not taken


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def where_log(x):
    return np.sum(np.where(x > 0, np.log(x), -1.0))


def where_arcsin(x):
    return np.sum(np.where(np.abs(x) < 1, np.arcsin(x), x))


def where_nan_constant(x):
    return np.sum(np.where(np.isnan(x), 0.0, x) * 2.0)


def nan_to_num_sum(x):
    return np.sum(np.nan_to_num(x * 2.0))


X_SIGNS = np.array([-2.0, -0.5, 0.25, 4.0])


@pytest.mark.parametrize("fun, expected", [
    (where_sqrt, [0.0, 0.0, 1.0, 0.25]),
    (where_log, [0.0, 0.0, 4.0, 0.25]),
    (where_arcsin, [1.0, 1 / np.sqrt(0.75), 1 / np.sqrt(1 - 0.0625), 1.0]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_where_with_nan_in_the_branch_not_taken(fun, expected):
    with np.errstate(invalid="ignore", divide="ignore"):
        g = grad(fun, X_SIGNS)
        t = tangent(fun, (X_SIGNS,), np.ones(4))
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    np.testing.assert_allclose(t, np.sum(expected), rtol=1e-12)


def test_where_and_nan_to_num_with_nan_inputs():
    x = np.array([1.0, np.nan, -3.0])
    np.testing.assert_array_equal(grad(where_nan_constant, x), [2.0, 0.0, 2.0])
    np.testing.assert_array_equal(grad(nan_to_num_sum, np.array([1.0, np.nan, np.inf])), [2.0, 0.0, 0.0])


# ------------------------------------------------------------ powers of zero


def square_sum(x):
    return np.sum(x ** 2)


def zeroth_power(x):
    return np.sum(x ** 0)


def first_power(x):
    return np.sum(x ** 1)


def power_by_array(x, p):
    return np.sum(x ** p)


def float_power_by_array(x, p):
    return np.sum(np.float_power(x, p))


def scalar_powers(x):
    return x ** 2 + x ** 0 + x ** 1 + x ** 3.0


def test_power_with_zero_base():
    zero = np.zeros(3)
    np.testing.assert_array_equal(grad(square_sum, zero), zero)
    np.testing.assert_array_equal(grad(zeroth_power, zero), zero)
    np.testing.assert_array_equal(grad(first_power, zero), np.ones(3))
    p = np.array([0.0, 1.0, 2.0])
    for fun in (power_by_array, float_power_by_array):
        gx, gp = grad(fun, zero, p, wrt=(0, 1))
        np.testing.assert_array_equal(gx, [0.0, 1.0, 0.0])
        np.testing.assert_array_equal(gp, [0.0, 0.0, 0.0])
        np.testing.assert_array_equal(tangent(fun, (zero, p), (np.ones(3), np.ones(3)), wrt=(0, 1)), 1.0)
    assert grad(scalar_powers, 0.0) == 1.0
    assert tangent(scalar_powers, (0.0,), 1.0) == 1.0


def power_hessian(x):
    return np.sum(x ** np.array([0.0, 1.0, 2.0, 3.0]))


def test_power_second_derivative_with_zero_base():
    h = srcdiff.hessian(power_hessian)(np.zeros(4))
    np.testing.assert_array_equal(h, np.diag([0.0, 0.0, 2.0, 0.0]))


# ------------------------------------------------------------ zeros in products and logs


def cumprod_sum(x):
    return np.sum(np.cumprod(x) * np.array([1.0, 2.0, 3.0, 4.0]))


def xlogy_sum(x, y):
    return np.sum(special.xlogy(x, y))


def test_cumprod_with_zeros():
    x = np.array([2.0, 0.0, 3.0, 0.0])
    srcdiff.check_grad(cumprod_sum, x)
    # y = (2, 0, 0, 0): d/dx0 = 1 (only y0 = x0 survives), d/dx1 = 2 * x0 + 3 * x0 * x2 = 22, and every
    # partial of x2 and x3 holds the factor x1 = 0
    np.testing.assert_allclose(grad(cumprod_sum, x), [1.0, 22.0, 0.0, 0.0])


@needs_scipy
def test_xlogy_at_zero():
    gx, gy = grad(xlogy_sum, np.array([0.0, 2.0]), np.array([0.0, 1.0]), wrt=(0, 1))
    np.testing.assert_array_equal(gx, [0.0, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 2.0])


# ------------------------------------------------------------ the complex convention


def abs_squared(z):
    return np.sum(np.abs(z) ** 2)


def real_part(z):
    return np.sum(np.real(z))


def imag_part(z):
    return np.sum(np.imag(z))


def angle_of(z):
    return np.sum(np.angle(z))


def holomorphic_then_real(z):
    return np.sum(np.real(np.exp(z)))


def test_complex_convention():
    """grad of a real L(z) is dL/dx - i dL/dy (JAX's convention): |z|**2 -> 2 conj(z)."""
    z = np.array([3.0 + 4.0j])
    np.testing.assert_allclose(grad(abs_squared, z), [6.0 - 8.0j])
    np.testing.assert_allclose(grad(real_part, z), [1.0])
    np.testing.assert_allclose(grad(imag_part, z), [-1.0j])
    np.testing.assert_allclose(grad(angle_of, z), [-1j / (3.0 + 4.0j)])  # d angle = (x dy - y dx) / |z|^2
    np.testing.assert_allclose(grad(holomorphic_then_real, z), np.exp(z))  # holomorphic: f'(z), no conjugate
    np.testing.assert_allclose(tangent(angle_of, (z,), np.array([1.0j])), [3.0 / 25.0])
    assert grad(angle_of, np.array([0.0j]))[0] == 0.0
