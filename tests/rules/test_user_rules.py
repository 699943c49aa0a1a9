"""User-defined rules: a rule for a user's own function and for a library function."""
import math

import numpy as np
import pytest

import srcdiff
from tests.data import user_rule_functions as uf
from srcdiff.rules import registry


@pytest.fixture(autouse=True)
def scratch(scratch_registry):
    """Every test here registers rules into a scratch registry (see conftest.py)."""


def register_softplus():
    @srcdiff.adjoint(uf.softplus)
    def softplus_adjoint(y, x):
        d[x] = d[y] / (1.0 + np.exp(-x))  # noqa: F821

    @srcdiff.tangent(uf.softplus)
    def softplus_tangent(y, x):
        t[y] = t[x] / (1.0 + np.exp(-x))  # noqa: F821


def args():
    rng = np.random.default_rng(0)
    return rng.standard_normal(3), rng.standard_normal((4, 3))


def test_rule_for_own_function_is_used_and_inlined():
    register_softplus()
    g = srcdiff.grad(uf.softplus_loss)
    w, X = args()
    srcdiff.check_grad(uf.softplus_loss, w, X)
    source = g.source_for(w, X)
    assert "/ (1.0 + np.exp(-" in source            # the template's body, inlined
    assert "softplus_forward" not in source           # not a transformed call
    tangent = srcdiff.forward(uf.softplus_loss).source_for(w, X)
    assert "/ (1.0 + np.exp(-" in tangent


def test_rule_works_in_both_modes_and_second_order():
    register_softplus()
    w, X = args()
    t = np.array([0.3, -0.2, 0.5])
    v, jt = srcdiff.jvp(uf.softplus_loss, (w, X), t)
    assert jt == pytest.approx(np.dot(srcdiff.grad(uf.softplus_loss)(w, X), t))
    H = srcdiff.hessian(uf.softplus_loss)(w, X)
    eps = 1e-6
    g = srcdiff.grad(uf.softplus_loss)
    fd = np.array([(g(w + eps * e, X) - g(w - eps * e, X)) / (2 * eps) for e in np.eye(3)]).T
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-7)


def test_rule_for_a_library_function():
    @srcdiff.adjoint(math.erf)
    def erf_adjoint(y, x):
        d[x] = d[y] * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)  # noqa: F821

    @srcdiff.tangent(math.erf)
    def erf_tangent(y, x):
        t[y] = t[x] * 2.0 / math.sqrt(math.pi) * math.exp(-x * x)  # noqa: F821
    srcdiff.check_grad(uf.erf_loss, 0.4, 1.3, wrt=(0, 1))
    # the user's template replaces srcdiff's own rule for math.erf (which writes 2/sqrt(pi) as a number)
    assert "math.sqrt(math.pi)" in srcdiff.grad(uf.erf_loss, wrt=(0, 1)).source_for(0.4, 1.3)
    value, tangent = srcdiff.jvp(uf.erf_loss, (0.4, 1.3), (1.0, 0.0), wrt=(0, 1))
    assert tangent == pytest.approx(1.3 * 2 / math.sqrt(math.pi) * math.exp(-0.52 ** 2) + 1.0)


def test_without_a_rule_the_library_function_is_refused():
    with pytest.raises(srcdiff.MissingRuleError, match="math.lgamma"):
        srcdiff.grad(uf.lgamma_loss)(0.4, 1.3)


def test_nondifferentiable_marks_a_function():
    srcdiff.nondifferentiable(uf.rounded_scale)
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(srcdiff.grad(uf.uses_rounded)(x), 2 * x * 2.0)
    assert "rounded_scale_forward" not in srcdiff.grad(uf.uses_rounded).source_for(x)


def test_template_parameters_must_match_the_signature():
    with pytest.raises(registry.RuleError) as info:
        srcdiff.adjoint(uf.softplus)(uf.bad_template)
    message = str(info.value)
    assert "bad_template" in message and "`z`" in message and "softplus" in message and "(x)" in message


def test_a_template_reading_an_undefined_name_is_refused_at_registration():
    with pytest.raises(registry.RuleError) as info:
        srcdiff.adjoint(uf.softplus)(uf.misspelled_template)
    message = str(info.value)
    assert "misspelled_template" in message and "`nmupy`" in message and "softplus" in message


def test_a_user_rule_replaces_a_built_in_one():
    srcdiff.adjoint(np.tanh)(uf.sigmoid_template)  # deliberately different math: the user's rule wins
    x = np.array([0.2, 0.4])
    y = np.tanh(x)
    np.testing.assert_allclose(srcdiff.grad(uf.tanh_sum)(x), y * (1 - y))
