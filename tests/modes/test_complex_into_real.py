"""A complex contribution to the adjoint of a real array written in place (issue 15): ``d_a[1:3] +=
d_z * 1j`` takes the real part (a real argument's gradient is real) instead of raising a casting
error or a ComplexWarning. Checked against central differences in both modes, warnings as errors."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import numeric_grad

pytestmark = pytest.mark.filterwarnings("error")


def slice_times_i(a):
    z = a[1:3] * 1j
    return np.real(np.sum(z * np.conj(z)))


def slice_and_whole(a):
    z = a[1:3] * (1.0 + 2.0j)
    w = a * 0.5
    return np.real(np.sum(z * np.conj(z))) + np.sum(w ** 2)


def entries_of_a_copy(a):
    b = a * 2.0
    z = b[0] * 1j + b[2]
    return np.abs(z) ** 2


def loop_of_entries(a):
    s = 0.0
    for i in range(3):
        z = a[i] * np.exp(1j * i)
        s = s + np.real(z * z)
    return s


def subtracted_entry(a):
    z = 2.0 - a[1] * 1j
    u = a[2] - a[0]
    return np.real(z * z) + u


def written_then_read(a):
    b = a.copy()
    b[1:3] = b[1:3] * 2.0
    z = b[0:2] * 1j
    return np.sum(np.imag(z * z.conj() + z))


def real_and_imag_attributes(a):
    z = a[0] + 1j * a[1]
    w = z * z
    return w.real + a[3] * w.imag


@pytest.mark.parametrize("f", [slice_times_i, slice_and_whole, entries_of_a_copy, loop_of_entries,
                               subtracted_entry, written_then_read, real_and_imag_attributes])
def test_real_argument_through_complex_entries(f):
    a = np.array([0.3, 1.2, -0.7, 2.0])
    expected = numeric_grad(f, a)
    for mode in ("reverse", "forward"):
        g = srcdiff.grad(f, mode=mode)(a)
        assert g.dtype == np.float64
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)


def slice_times_argument(a, z):
    w = a[1:3] * z
    return np.real(np.sum(w * np.conj(w)))


def entries_times_argument(a, z):
    s = 0.0
    for i in range(2):
        s = s + np.real(a[i] * z[i] * np.conj(z[i]) * a[i] * z[i])
    return s


@pytest.mark.parametrize("f", [slice_times_argument, entries_times_argument])
def test_real_argument_with_a_complex_argument(f):
    a, z = np.array([0.3, 1.2, -0.7, 2.0]), np.array([1 + 2j, 0.5 - 1j])
    expected = numeric_grad(lambda v: f(v, z), a)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(f, mode=mode)(a, z), expected, rtol=1e-6, atol=1e-8)
    gz = srcdiff.grad(f, wrt=1)(a, z)  # the complex argument: dL/dx - i dL/dy
    fx = numeric_grad(lambda x: f(a, x + 1j * z.imag), z.real)
    fy = numeric_grad(lambda y: f(a, z.real + 1j * y), z.imag)
    np.testing.assert_allclose(gz, fx - 1j * fy, rtol=1e-6, atol=1e-8)


def plain_indexing(a, b):
    return np.sum(a[1:3] * b[0:2])


def test_real_code_writes_entries_unchanged():
    assert "real_for" not in srcdiff.grad(plain_indexing, wrt=(0, 1)).source
