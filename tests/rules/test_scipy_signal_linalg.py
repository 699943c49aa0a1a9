"""Issue 18, point 2: what the scipy.signal and scipy.linalg rules refuse, where, and the names they use.
(The derivatives themselves are checked, in both modes, by the rule table of test_rules.py.)"""
import numpy as np
import pytest

import srcdiff
from srcdiff.errors import MissingRuleError, NonDifferentiableError

from tests.support.trust_helpers import located_at

signal = pytest.importorskip("scipy.signal")
sla = pytest.importorskip("scipy.linalg")
special = pytest.importorskip("scipy.special")

MODES = ["reverse", "forward"]


def differentiate(fn, args, mode, wrt=0):
    if mode == "reverse":
        return srcdiff.grad(fn, wrt=wrt)(*args)
    return srcdiff.jvp(fn, tuple(args), np.ones_like(args[wrt]), wrt=wrt)


def conv2d_wrap(a, v):
    return np.sum(signal.convolve2d(a, v, boundary="wrap") ** 2)


def corr2d_fill(a, v):
    return np.sum(signal.correlate2d(a, v, "same", fillvalue=1.5) ** 2)


def corr2d_fill_variable(a, v, c):
    return np.sum(signal.correlate2d(a, v, "same", fillvalue=c) ** 2)


def conv2d_explicit_defaults(a, v):
    return np.sum(signal.convolve2d(a, v, "valid", boundary="fill", fillvalue=0) ** 2)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn, needle", [(corr2d_fill, "fillvalue=1.5"), (corr2d_fill_variable, "fillvalue=c")])
def test_convolve2d_nonzero_fill_is_refused(fn, needle, mode):
    """A non-zero fill value makes convolve2d affine, not a product of its two inputs: refused where written."""
    args = [np.ones((3, 3)), np.ones((2, 2))] + ([0.0] if fn is corr2d_fill_variable else [])
    with pytest.raises(NonDifferentiableError) as info:
        differentiate(fn, args, mode)
    msg = str(info.value)
    located_at(msg, fn, "signal.")
    assert "'fill' with fillvalue=0 only" in msg and "np.pad" in msg


def conv2d_boundary_variable(a, v, boundary):
    return np.sum(signal.convolve2d(a, v, "same", boundary) ** 2)


def test_convolve2d_wrap_and_symm():
    """boundary='wrap' / 'symm' (also a boundary held in a variable), both modes against central differences."""
    a, v = np.linspace(0.1, 1.2, 12).reshape(3, 4), np.array([[1.0, -2.0, 0.3], [0.5, 3.0, -1.1]])
    srcdiff.check_grad(conv2d_wrap, a, v, wrt=(0, 1))
    ta, tv = np.cos(np.arange(12.0)).reshape(3, 4), np.sin(np.arange(6.0)).reshape(2, 3)
    _, jt = srcdiff.jvp(conv2d_wrap, (a, v), (ta, tv), wrt=(0, 1))
    h = 1e-6
    np.testing.assert_allclose(jt, (conv2d_wrap(a + h * ta, v + h * tv) - conv2d_wrap(a - h * ta, v - h * tv)) / (2 * h),
                               rtol=1e-6)
    for boundary in ("symm", "wrap", "fill"):
        g = srcdiff.grad(conv2d_boundary_variable, wrt=(0, 1))(a, v, boundary)
        for i, gi in enumerate(g):
            x = [a, v][i]
            fd = np.zeros_like(x)
            for idx in np.ndindex(*x.shape):
                e = np.zeros_like(x)
                e[idx] = h
                args = [a, v]
                plus, minus = list(args), list(args)
                plus[i], minus[i] = x + e, x - e
                fd[idx] = (conv2d_boundary_variable(*plus, boundary) - conv2d_boundary_variable(*minus, boundary)) / (2 * h)
            np.testing.assert_allclose(gi, fd, rtol=1e-6, atol=1e-8)


def test_convolve2d_unknown_boundary_in_a_variable_is_refused_when_it_runs():
    with pytest.raises(ValueError):  # SciPy's own error: the value is computed first
        srcdiff.grad(conv2d_boundary_variable)(np.ones((3, 3)), np.ones((2, 2)), "mirror")


def test_convolve2d_with_the_defaults_written_out():
    a, v = np.linspace(0.0, 1.0, 12).reshape(3, 4), np.array([[1.0, -2.0], [0.5, 3.0]])
    srcdiff.check_grad(conv2d_explicit_defaults, a, v, wrt=(0, 1))


def fft_axes(a, v):
    return np.sum(signal.fftconvolve(a, v, axes=0) ** 2)


def test_fftconvolve_axes():
    """axes=0: convolved along rows, broadcast along columns; both modes against central differences."""
    a, v = np.linspace(0.1, 0.9, 9).reshape(3, 3), np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    srcdiff.check_grad(fft_axes, a, v, wrt=(0, 1))
    ta, tv = np.cos(np.arange(9.0)).reshape(3, 3), np.sin(np.arange(6.0)).reshape(2, 3)
    _, jt = srcdiff.jvp(fft_axes, (a, v), (ta, tv), wrt=(0, 1))
    ga, gv = srcdiff.grad(fft_axes, wrt=(0, 1))(a, v)
    np.testing.assert_allclose(jt, np.sum(ga * ta) + np.sum(gv * tv), rtol=1e-10)


def unsupported_signal(x):
    return np.sum(signal.medfilt(x))


def test_scipy_functions_are_named_by_their_public_module():
    """scipy.signal's functions live in scipy.signal._signaltools; messages name scipy.signal.medfilt."""
    with pytest.raises(MissingRuleError) as info:
        srcdiff.grad(unsupported_signal)(np.ones(5))
    assert "scipy.signal.medfilt" in str(info.value) and "_signaltools" not in str(info.value)


def banded_overwrite(ab, b):
    return np.sum(sla.solve_banded((1, 1), ab, b, overwrite_ab=True))


@pytest.mark.parametrize("mode", MODES)
def test_solve_banded_overwriting_its_inputs_is_refused(mode):
    ab = np.array([[0.0, 1.0, 1.0], [4.0, 4.0, 4.0], [1.0, 1.0, 0.0]])
    with pytest.raises(NonDifferentiableError) as info:
        differentiate(banded_overwrite, [ab, np.ones(3)], mode)
    located_at(str(info.value), banded_overwrite, "sla.solve_banded")
    assert "overwrite_ab=False" in str(info.value)


def sqrtm_sum(a):
    return np.sum(np.real(sla.sqrtm(a)))


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
@pytest.mark.parametrize("mode", MODES)
def test_sqrtm_of_a_singular_matrix_is_refused_not_infinite(mode):
    """At a singular matrix the square root's derivative does not exist (X dX + dX X = dA is singular)."""
    a = np.diag([1.0, 0.0, 2.0])
    with pytest.raises(NonDifferentiableError, match="sqrtm has no derivative at this matrix"):
        differentiate(sqrtm_sum, [a], mode)


def sqrtm_nan(a):
    return np.sum(np.real(sla.sqrtm(a)))


@pytest.mark.parametrize("mode", MODES)
def test_sqrtm_nan_in_nan_out(mode):
    a = np.array([[2.0, np.nan], [0.0, 3.0]])
    with np.errstate(invalid="ignore"):
        try:
            expected = sla.sqrtm(a)
        except ValueError:  # SciPy's check_finite: the function itself refuses NaN, so there is nothing to test
            pytest.skip("this SciPy's sqrtm refuses NaN")
        assert np.isnan(expected).any()
        out = differentiate(sqrtm_nan, [a], mode)
        assert np.isnan(out if mode == "reverse" else out[1]).all()


def multigammaln_both(a, d):
    return special.multigammaln(a, d)


@pytest.mark.parametrize("mode", MODES)
def test_multigammaln_dimension_is_refused(mode):
    with pytest.raises(NonDifferentiableError) as info:
        differentiate(multigammaln_both, [3.3, 2.0], mode, wrt=1)
    located_at(str(info.value), multigammaln_both, "special.multigammaln")
    assert "Pass the dimension d as a constant integer" in str(info.value)


def test_coverage_lists_the_new_rules():
    from srcdiff import cli_coverage
    report = {label: module for label, module in cli_coverage.namespaces(("scipy.signal", "scipy.linalg"))}
    from srcdiff.rules import lookup
    for label, names in (("scipy.signal", "convolve correlate fftconvolve oaconvolve convolve2d correlate2d"),
                         ("scipy.linalg", "expm sqrtm solve_sylvester solve_banded"),
                         ("scipy.special", "multigammaln log1p expm1 cosm1")):
        for name in names.split():
            rule = lookup(getattr(report[label], name))
            assert rule is not None and rule.adjoint is not None and rule.tangent is not None, (label, name)
