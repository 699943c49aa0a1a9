"""Builtin ``sum`` of an array adds up its rows: its adjoint is an array of the rows' gradients."""
import numpy as np
import pytest

import srcdiff
from tests.support.differences import central_grad


def products_of_sums(x):
    return sum(x) * sum(x * x)


def rows_of_a_matrix(a):
    return np.sum(np.sin(sum(a)) * sum(a ** 2, 1.0))


def sum_of_columns_then_scalar(a):
    total = sum(a.T)
    return total @ total


CASES = [(products_of_sums, np.array([1.0, 2.0, 3.0])),
         (rows_of_a_matrix, np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7]])),
         (sum_of_columns_then_scalar, np.array([[0.3, -1.2], [0.5, 1.1], [0.4, -0.7]]))]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fun, x", CASES, ids=[c[0].__name__ for c in CASES])
def test_builtin_sum_of_an_array_in_both_modes(fun, x, mode):
    np.testing.assert_allclose(srcdiff.grad(fun, mode=mode)(x), central_grad(fun, (x,), 0), rtol=1e-6, atol=1e-8)


def test_hessian_through_builtin_sum_of_an_array():
    x = np.array([1.0, 2.0, 3.0])
    g = srcdiff.grad(products_of_sums)
    columns = [central_grad(lambda v: g(v)[i], (x,), 0) for i in range(3)]
    np.testing.assert_allclose(srcdiff.hessian(products_of_sums)(x), np.array(columns), rtol=1e-6, atol=1e-8)
