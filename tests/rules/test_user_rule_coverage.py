"""A user's rule that has no derivative for an argument which varies is refused, never taken as constant
(a rule for ``f(x, a)`` writing only ``d[x]`` gave ``grad`` with respect to ``a`` as 0.0)."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at


def scale_by(x, a):
    return x * a


def _scale_by_adjoint(y, x, a):
    d[x] = d[y] * a  # noqa: F821  (template names)


def _scale_by_tangent(y, x, a):
    t[y] = t[x] * a  # noqa: F821


@pytest.fixture(autouse=True)
def scale_by_rule():
    """The rule is registered for these tests only (the rule-table tests walk every registered rule)."""
    from srcdiff.rules import registry
    srcdiff.adjoint(scale_by)(_scale_by_adjoint)
    srcdiff.tangent(scale_by)(_scale_by_tangent)
    yield
    registry.remove(scale_by)


def loss(x, a):
    return np.sum(scale_by(x, a) ** 2)


def loss_constant_a(x):
    return np.sum(scale_by(x, 3.0) ** 2)


X = np.array([0.5, -1.0, 2.0])


def test_the_covered_argument_is_differentiated():
    np.testing.assert_allclose(srcdiff.grad(loss)(X, 3.0), 2 * 9.0 * X)
    np.testing.assert_allclose(srcdiff.grad(loss_constant_a)(X), 2 * 9.0 * X)
    value, tangent = srcdiff.jvp(loss, (X, 3.0), np.ones(3))
    np.testing.assert_allclose(tangent, np.sum(2 * 9.0 * X))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_varying_argument_the_rule_does_not_differentiate_is_refused(mode):
    with pytest.raises(srcdiff.NonDifferentiableError) as info:
        if mode == "reverse":
            srcdiff.grad(loss, wrt=1)(X, 3.0)
        else:
            srcdiff.jvp(loss, (X, 3.0), 1.0, wrt=1)
    assert "no derivative with respect to its argument `a`" in str(info.value)
    located_at(str(info.value), loss, "return np.sum(scale_by(x, a) ** 2)")
