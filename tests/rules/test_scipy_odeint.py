"""Issue 18: scipy.integrate.odeint differentiated by the adjoint method (reverse) and the sensitivity
equations (forward), with respect to y0, the time points and the floats passed through ``args``; checked
against central differences through the solver at tight tolerances (rtol = atol = 1e-10)."""
import numpy as np
import pytest

import srcdiff
from srcdiff.errors import MissingRuleError, NonDifferentiableError

from tests.support.trust_helpers import located_at
from tests.support.differences import central_grad

integrate = pytest.importorskip("scipy.integrate")
odeint = integrate.odeint

TOL = dict(rtol=1e-10, atol=1e-10)
TIMES = np.linspace(0.0, 2.0, 5)
WEIGHTS = np.cos(np.arange(10.0)).reshape(5, 2)


def oscillator(y, t, k, c):
    return np.array([y[1], -k * y[0] - c * y[1] + 0.3 * np.sin(t)])


def oscillator_list(y, t, k, c):
    return [y[1], -k * y[0] - c * y[1]]


def decay(y, t, rates, n):
    """An array of rates and an integer (data) in ``args``."""
    return -rates * y ** n


def loss_params(y0, k, c):
    ys = odeint(oscillator, y0, TIMES, args=(k, c), rtol=1e-10, atol=1e-10)
    return np.sum(ys * WEIGHTS)


def loss_list(y0, k):
    ys = odeint(oscillator_list, y0, TIMES, (k, 0.2), rtol=1e-10, atol=1e-10)
    return np.sum(ys ** 2)


def loss_array_args(y0, rates):
    ys = odeint(decay, y0, TIMES, args=(rates, 2), rtol=1e-10, atol=1e-10)
    return np.sum(ys * WEIGHTS)


def loss_times(t, y0):
    ys = odeint(oscillator, y0, t, args=(2.0, 0.3), rtol=1e-10, atol=1e-10)
    return np.sum(ys * WEIGHTS[:4])


CASES = [
    (loss_params, (np.array([1.0, -0.5]), 2.0, 0.3)),
    (loss_list, (np.array([0.4, 1.0]), 1.5)),
    (loss_array_args, (np.array([1.0, 0.5]), np.array([0.7, 1.3]))),
    (loss_times, (np.array([0.1, 0.7, 1.5, 2.0]), np.array([1.0, 0.0]))),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_odeint_gradient_against_finite_differences(fn, args):
    wrt = tuple(range(len(args)))
    grads = srcdiff.grad(fn, wrt=wrt)(*args)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, central_grad(fn, args, i, 1e-5), rtol=1e-6, atol=1e-7)
        assert np.shape(g) == np.shape(args[i]) and np.asarray(g).dtype == np.float64


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_odeint_forward_against_reverse(fn, args):
    rng = np.random.default_rng(18)
    wrt = tuple(range(len(args)))
    dirs = tuple(rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal()) for a in args)
    value, tangent = srcdiff.jvp(fn, args, dirs, wrt=wrt)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-12)
    grads = srcdiff.grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(tangent, sum(float(np.sum(g * d)) for g, d in zip(grads, dirs)), rtol=1e-7, atol=1e-9)


def trajectory(y0, k):
    return odeint(oscillator, y0, TIMES, args=(k, 0.1), rtol=1e-10, atol=1e-10)


def test_odeint_vjp_of_the_whole_trajectory():
    """A cotangent for every row of the result (the first row is y0 itself)."""
    y0, k = np.array([1.0, 0.2]), 1.7
    _, pullback = srcdiff.vjp(trajectory, wrt=(0, 1))(y0, k)
    ct = np.sin(np.arange(10.0)).reshape(5, 2)
    g_y0, g_k = pullback(ct)

    def paired(y0_, k_):
        return np.sum(trajectory(y0_, k_) * ct)
    np.testing.assert_allclose(g_y0, central_grad(paired, (y0, k), 0, 1e-5), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(g_k, central_grad(paired, (y0, k), 1, 1e-5), rtol=1e-6, atol=1e-7)


def odeint_tfirst(y0):
    return np.sum(odeint(oscillator, y0, TIMES, args=(1.0, 0.1), tfirst=True))


def odeint_full_output(y0):
    ys, info = odeint(oscillator, y0, TIMES, args=(1.0, 0.1), full_output=1)
    return np.sum(ys)


@pytest.mark.parametrize("fn, needle", [(odeint_tfirst, "tfirst"), (odeint_full_output, "full_output")])
def test_odeint_arguments_the_rule_does_not_handle_are_refused(fn, needle):
    with pytest.raises(MissingRuleError) as info:
        srcdiff.grad(fn)(np.array([1.0, 0.0]))
    located_at(str(info.value), fn, "odeint(")
    assert "`%s`" % needle in str(info.value)


def test_odeint_second_derivatives_are_refused():
    with pytest.raises(NonDifferentiableError, match="no second derivative of scipy.integrate.odeint"):
        srcdiff.hvp(loss_params, wrt=1)(np.array([1.0, -0.5]), 2.0, 0.3, 1.0)


def opaque_rhs(y, t, table):
    return -table["rate"] * y


def loss_opaque(y0):
    return np.sum(odeint(opaque_rhs, y0, TIMES, args=({"rate": 0.5},)))


def test_odeint_with_constant_non_float_args():
    """A dict in ``args`` is data: the gradient with respect to y0 still flows."""
    y0 = np.array([1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(loss_opaque)(y0), central_grad(loss_opaque, (y0,), 0, 1e-5), rtol=1e-5)


def k_gradient(k, y0):
    return srcdiff.grad(loss_params, wrt=1)(y0, k, 0.3)


@pytest.mark.parametrize("route", ["grad of grad", "nested in user code", "jvp of grad"])
def test_odeint_second_derivatives_are_refused_by_every_route(route):
    """Reverse over reverse too: refused by name, not by transforming the adjoint solver's source."""
    y0 = np.array([1.0, -0.5])
    with pytest.raises(NonDifferentiableError, match="no second derivative of scipy.integrate.odeint"):
        if route == "grad of grad":
            srcdiff.grad(srcdiff.grad(loss_params, wrt=1), wrt=1)(y0, 2.0, 0.3)
        elif route == "nested in user code":
            srcdiff.grad(k_gradient)(2.0, y0)
        else:
            srcdiff.jvp(srcdiff.grad(loss_params, wrt=1), (y0, 2.0, 0.3), 1.0, wrt=1)
