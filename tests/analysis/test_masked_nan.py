"""NaN or inf data in what a selection does not use (issue 15): the branch of ``np.where`` not
taken, the entries ``nan_to_num`` and the NaN-ignoring reductions drop. Its derivative is exactly 0
there, in both modes, while a NaN the function does use still gives NaN."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import numeric_grad

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NAN = np.nan


def square_unless_nan(u):
    return np.sum(np.where(np.isnan(u), 0.0, u ** 2))


def chained_unless_nan(u):
    v = u * 3.0
    return np.sum(np.where(np.isnan(u), 0.0, np.sin(v) * u))


def product_unless_nan(u, w):
    return np.sum(np.where(np.isnan(u), 0.0, u * w))


def exp_below(x):
    return np.sum(np.where(x < 100.0, np.exp(x), 0.0))


def cleaned_square(u):
    return np.sum(np.nan_to_num(u ** 2))


def nansum_cube(u):
    return np.nansum(u ** 3)


def nanmean_product(u):
    return np.nanmean(np.sin(u) * u)


def nanmax_square(u):
    return np.nanmax(u ** 2)


def nancumsum_square(u):
    return np.sum(np.nancumsum(u ** 2))


def select_square(u):
    return np.sum(np.select([np.isnan(u), u > 0], [np.zeros_like(u), u ** 2], default=u))


def divide_where(a, b):
    return np.sum(np.where(b != 0, a / b, 0))


FUNCTIONS = [square_unless_nan, chained_unless_nan, cleaned_square, nansum_cube, nanmean_product,
             nanmax_square, nancumsum_square, select_square]


def both_modes(f, u):
    """grad in both modes and jvp along each axis, each against central differences."""
    expected = numeric_grad(f, u)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(u), expected, rtol=1e-6, atol=1e-8)
    for i in range(u.size):
        np.testing.assert_allclose(srcdiff.jvp(f, (u,), np.eye(u.size)[i])[1], expected[i], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_nan_data_a_selection_drops_has_derivative_zero(f):
    both_modes(f, np.array([1.0, NAN, 3.0, -2.0]))


def test_two_arguments_and_a_guarded_division():
    u, w = np.array([1.0, NAN, 3.0]), np.array([2.0, 5.0, -1.0])
    gu, gw = srcdiff.grad(product_unless_nan, wrt=(0, 1))(u, w)
    np.testing.assert_array_equal(gu, [2.0, 0.0, -1.0])
    np.testing.assert_array_equal(gw, [1.0, 0.0, 3.0])
    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 4.0])
    for mode in ("reverse", "forward"):
        ga, gb = srcdiff.grad(divide_where, wrt=(0, 1), mode=mode)(a, b)
        np.testing.assert_allclose(ga, [0.0, 0.5, 0.25])
        np.testing.assert_allclose(gb, [0.0, -0.5, -0.1875])


def test_overflow_in_the_branch_not_taken_contributes_zero():
    x = np.array([1000.0, 1.0])
    for mode in ("reverse", "forward"):
        np.testing.assert_array_equal(srcdiff.grad(exp_below, mode=mode)(x), [0.0, np.exp(1.0)])


def test_nan_the_function_uses_still_gives_nan():
    u = np.array([1.0, NAN, 3.0])
    g = srcdiff.grad(lambda_free_square)(u)
    assert np.isnan(g[1]) and np.isfinite(g[[0, 2]]).all()
    assert np.isnan(srcdiff.jvp(lambda_free_square, (u,), np.eye(3)[1])[1])


def lambda_free_square(u):
    return np.sum(np.where(u > 2.0, 0.0, u ** 2))  # NaN > 2 is False: the NaN branch is taken


def test_second_derivatives_through_a_guard():
    u = np.array([1.0, NAN, 3.0])
    h = srcdiff.hessian(square_unless_nan)(u)
    np.testing.assert_array_equal(h, np.diag([2.0, 0.0, 2.0]))


def plain(u):
    return np.sum(np.sin(u) * u ** 2)


def test_code_without_a_selection_keeps_plain_products():
    assert "strong_mul" not in srcdiff.grad(plain).source


# data an index leaves out: its adjoint is 0 there, and the elementwise rules upstream multiply
# strongly (a reduction or a contraction on the way mixes entries: see docs/promises.md)
def square_then_slice(u):
    return np.sum((u ** 2)[1:])


def product_then_pick(u):
    v = np.sin(u) * u
    return np.sum(v[[0, 2]])


def tanh_rows_in_a_loop(u):
    h = np.tanh(u * 3.0)
    s = 0.0
    for k in range(2):
        s = s + h[k] ** 2
    return s


def copy_then_mask(u):
    v = np.exp(u) * 2.0
    w = v
    return np.sum(w[u < 2.5])


@pytest.mark.parametrize("f, u", [(square_then_slice, [NAN, 1.0, 2.0]), (product_then_pick, [1.0, NAN, 2.0]),
                                  (tanh_rows_in_a_loop, [1.0, 0.5, NAN]), (copy_then_mask, [1.0, 2.0, np.inf])])
def test_nan_or_inf_data_an_index_drops_has_derivative_zero(f, u):
    u = np.array(u)
    expected = numeric_grad(f, u)
    assert np.isfinite(expected).all()
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(u), expected, rtol=1e-6, atol=1e-8)
    _, pullback = srcdiff.vjp(f, u, wrt=0)
    np.testing.assert_allclose(pullback(1.0), expected, rtol=1e-6, atol=1e-8)


def test_nan_an_index_keeps_still_gives_nan():
    g = srcdiff.grad(square_then_slice)(np.array([1.0, NAN, 2.0]))
    assert np.isnan(g[1]) and g[0] == 0.0 and g[2] == 4.0


def softmax_pick(z, labels):
    e = np.exp(z)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(np.log(p[np.arange(2), labels]))


def test_an_index_after_a_reduction_keeps_plain_products():
    # every row's entries meet in the sum: the pick's zeros do not reach exp's adjoint entry by entry
    g = srcdiff.grad(softmax_pick)
    g(np.ones((2, 3)), np.array([0, 2]))
    assert "d_z = d_e * e" in g.source


# rows an index drops after a sum along an axis, and a user function whose result a selection drops
def row_sums_then_slice(x):
    y = np.array([[1.0, 2.0], [3.0, 4.0], [NAN, 1.0]])
    return np.sum(np.sum(x * y, axis=1)[:2])


def row_means_then_pick(x):
    return np.sum(np.mean(np.exp(x), axis=1)[0])


def exp_twice(u):
    s = 0.0
    for _ in range(2):
        s = s + np.exp(u)
    return s


def times(u, d):
    return u * d


def callee_below(x):
    return np.sum(np.where(x < 100.0, exp_twice(x), 0.0))


def callee_unless_nan(x):
    d = np.array([1.0, NAN, 2.0])
    return np.sum(np.where(np.isnan(d), 0.0, times(x, d)))


@pytest.mark.parametrize("f, u", [(row_sums_then_slice, np.ones((3, 2))),
                                  (row_means_then_pick, np.array([[1.0, 2.0], [np.inf, 1.0]])),
                                  (callee_below, np.array([1000.0, 2.0, -1.0])),
                                  (callee_unless_nan, np.array([1.0, 2.0, 3.0]))])
def test_data_dropped_after_a_sum_or_inside_a_callee_has_derivative_zero(f, u):
    expected = numeric_grad(f, u)
    assert np.isfinite(expected).all()
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(u), expected, rtol=1e-6, atol=1e-8)
    _, pullback = srcdiff.vjp(f, u, wrt=0)
    np.testing.assert_allclose(pullback(1.0), expected, rtol=1e-6, atol=1e-8)


def test_a_callee_whose_result_is_used_whole_keeps_plain_products():
    g = srcdiff.grad(lambda_free_times)
    g(np.ones(3))
    assert "strong_mul" not in "".join(g.sources().values())


def lambda_free_times(x):
    return np.sum(times(x, np.array([1.0, 2.0, 3.0])))


# a product by the number 0 in the user's code: its partial is a proved zero, in both modes, even
# where the rule downstream has an infinite partial (np.sqrt at 0)
def sqrt_of_zeroed(x):
    return np.sum(np.sqrt(x * 0.0)) + np.sum(x ** 2)


def arccos_of_zeroed(x):
    return np.sum(np.arccos(0.0 * x + 1.0)) + np.sum(np.sin(x))


@pytest.mark.parametrize("f", [sqrt_of_zeroed, arccos_of_zeroed])
def test_a_product_by_zero_in_the_code_absorbs_an_infinite_partial(f):
    u = np.array([1.0, -2.0, 0.5])
    expected = numeric_grad(f, u)
    assert np.isfinite(expected).all()
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(u), expected, rtol=1e-6, atol=1e-8)
