"""A rule that gives no derivative for an argument which varies is refused, never taken as 0: srcdiff's
own rules where the other mode's template differentiates the argument, and a user's rule whose
branch taken on a constant argument leaves it out (issue 15)."""
import numpy as np
import pytest

import srcdiff
from srcdiff.rules import registry
from tests.support.trust_helpers import located_at


def scaled(x, a):
    return x * a


def _scaled_adjoint_both(y, x, a):
    d[x] = d[y] * a  # noqa: F821  (template names)
    d[a] = np.sum(d[y] * x)  # noqa: F821


def _scaled_adjoint_x_only(y, x, a):
    d[x] = d[y] * a  # noqa: F821


def _scaled_tangent_both(y, x, a):
    t[y] = t[x] * a + t[a] * x  # noqa: F821


def _scaled_tangent_x_only(y, x, a):
    t[y] = t[x] * a  # noqa: F821


def _as_builtin(fn):
    fn.__module__ = "srcdiff.rules.a_test_module"  # how srcdiff tells its own rules from a user's
    return fn


def loss(x, a):
    return np.sum(scaled(x, a) ** 2)


X = np.array([0.5, -1.0, 2.0])


@pytest.fixture()
def builtin_rule(request):
    adjoint_template, tangent_template = request.param
    registry.adjoint(scaled)(_as_builtin(adjoint_template))
    registry.tangent(scaled)(_as_builtin(tangent_template))
    yield
    registry.remove(scaled)


@pytest.mark.parametrize("builtin_rule, mode", [((_scaled_adjoint_both, _scaled_tangent_x_only), "forward"),
                                                ((_scaled_adjoint_x_only, _scaled_tangent_both), "reverse")],
                         indirect=["builtin_rule"])
def test_a_builtin_rule_missing_an_argument_its_other_mode_differentiates_is_refused(builtin_rule, mode):
    with pytest.raises(srcdiff.NonDifferentiableError) as info:
        srcdiff.grad(loss, wrt=1, mode=mode)(X, 3.0)
    assert "no derivative with respect to its argument `a`" in str(info.value)
    located_at(str(info.value), loss, "return np.sum(scaled(x, a) ** 2)")


@pytest.mark.parametrize("builtin_rule", [(_scaled_adjoint_both, _scaled_tangent_both)], indirect=True)
def test_a_consistent_builtin_rule_differentiates_both_arguments(builtin_rule):
    expected = np.sum(2 * 3.0 * X ** 2)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(srcdiff.grad(loss, wrt=1, mode=mode)(X, 3.0), expected)


def scaled_unless(x, a, fixed=False):
    return x * a


def _unless_adjoint(y, x, a, fixed=False):
    if fixed:
        d[x] = d[y] * a  # noqa: F821
    else:
        d[x] = d[y] * a  # noqa: F821
        d[a] = np.sum(d[y] * x)  # noqa: F821


def _unless_tangent(y, x, a, fixed=False):
    if fixed:
        t[y] = t[x] * a  # noqa: F821
    else:
        t[y] = t[x] * a + t[a] * x  # noqa: F821


@pytest.fixture()
def user_rule():
    srcdiff.adjoint(scaled_unless)(_unless_adjoint)
    srcdiff.tangent(scaled_unless)(_unless_tangent)
    yield
    registry.remove(scaled_unless)


def loss_fixed(x, a):
    return np.sum(scaled_unless(x, a, True) ** 2)


def loss_free(x, a):
    return np.sum(scaled_unless(x, a) ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_user_rule_branch_leaving_out_a_varying_argument_is_refused(user_rule, mode):
    with pytest.raises(srcdiff.NonDifferentiableError) as info:
        srcdiff.grad(loss_fixed, wrt=1, mode=mode)(X, 3.0)
    assert "no derivative with respect to its argument `a`" in str(info.value)
    located_at(str(info.value), loss_fixed, "return np.sum(scaled_unless(x, a, True) ** 2)")
    h = 1e-6
    expected = (loss_free(X, 3.0 + h) - loss_free(X, 3.0 - h)) / (2 * h)
    np.testing.assert_allclose(srcdiff.grad(loss_free, wrt=1, mode=mode)(X, 3.0), expected, rtol=1e-7)
    np.testing.assert_allclose(srcdiff.grad(loss_fixed, mode=mode)(X, 3.0), 2 * 9.0 * X)
