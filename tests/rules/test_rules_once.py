"""Each derivative is written once: self-adjoint and bilinear rules derive their tangent from the
adjoint (``rules.derive``), and no built-in adjoint/tangent pair states the same derivative twice."""
import importlib.util
import sys

import numpy as np
import pytest

if importlib.util.find_spec("scipy") is not None:  # optional: its rules are registered once it is imported
    import scipy.special  # noqa: F401

from srcdiff import ir
from srcdiff.front import syntax
from srcdiff.rules import all_rules, derive, registry
from srcdiff.rules.registry import RuleError, bilinear, self_adjoint
from tests.support.trust_helpers import check_both_modes


def _derivable(rule):
    """Which single declaration the rule's hand-written tangent could have been derived by, or None."""
    a, t = rule.adjoint, rule.tangent
    if a is None or t is None or a.fn is t.fn:
        return None
    told = syntax.unparse(t.tree.body)
    try:
        if syntax.unparse(derive.self_adjoint_tangent(a.tree, "rule").body) == told:
            return "self_adjoint"
    except derive.DeriveError:
        pass
    value = t.tree.body[0].value if len(t.tree.body) == 1 and isinstance(t.tree.body[0], ir.Assign) else None
    if isinstance(value, ir.BinOp) and value.op == "+" and len(a.written) == 2:
        first = a.written[0]  # the product is the first term with t[first] put back to first
        product = derive._substitute(value.left, lambda n: derive._special(n, "t", first), lambda: ir.Name(first))
        declared = ir.FunctionDef("rule", a.tree.params, [ir.Assign([ir.Name(a.result)], product)] + a.tree.body)
        try:
            if syntax.unparse(derive.split_bilinear(declared, "rule")[1].body) == told:
                return "bilinear"
        except derive.DeriveError:
            pass
    return None


def test_no_builtin_rule_states_its_derivative_twice():
    """114 pairs (96 self-adjoint, 18 bilinear; 123 rules) were written twice; a new one fails here."""
    builtin = [r for r in all_rules() if r.adjoint is not None and not r.adjoint.user]  # not the tests' own rules
    twice = sorted("%s (%s)" % (r.name, _derivable(r)) for r in builtin if _derivable(r))
    assert not twice, "declare these with rules.registry.self_adjoint or .bilinear: %s" % ", ".join(twice)


def test_single_declarations_cover_elementwise_functions_and_products():
    once = {r.name for r in all_rules() if r.adjoint is not None and r.adjoint.fn is r.tangent.fn}
    assert {"numpy.sin", "numpy.exp", "numpy.logaddexp", "math.cos", "numpy.flip",
            "numpy.matmul", "numpy.dot", "numpy.tensordot", "numpy.outer", "numpy.inner", "numpy.kron",
            "numpy.convolve", "numpy.multiply"} <= once
    assert "scipy" not in sys.modules or "scipy.special.expit" in once
    assert len(once) >= 100


def test_derived_tangents_read_as_written():
    rule = registry.lookup(np.logaddexp)
    assert syntax.unparse(rule.tangent.tree.body).strip() == \
        "t[y] = t[x1] * numpy.exp(x1 - y) + t[x2] * numpy.exp(x2 - y)"
    rule = registry.lookup(np.matmul)
    assert syntax.unparse(rule.tangent.tree.body).strip() == "t[y] = t[x1] @ x2 + x1 @ t[x2]"
    assert syntax.unparse(rule.adjoint.tree.body).strip() == \
        "d[x1] = matmul_lhs(d[y], x1, x2)\nd[x2] = matmul_rhs(d[y], x1, x2)"


def softsign(x):
    return x / (1.0 + np.abs(x))


def scaled_product(a, b):
    return 2.0 * a * b


def uses_softsign(x):
    return np.sum(softsign(x) * np.array([1.0, -2.0, 0.5]))


def uses_product(x, w):
    return np.sum(scaled_product(x, np.sin(x)) * w)


def test_self_adjoint_declaration_differentiates_both_modes(scratch_registry):
    @self_adjoint(softsign)
    def softsign_rule(y, x):
        d[x] = d[y] / ((1.0 + np.abs(x)) * (1.0 + np.abs(x)))  # noqa: F821

    check_both_modes(uses_softsign, np.array([0.3, -1.2, 2.0]))


def test_bilinear_declaration_differentiates_both_modes(scratch_registry):
    @bilinear(scaled_product)
    def scaled_product_rule(y, a, b):
        y = scaled_product(a, b)  # noqa: F841
        d[a] = 2.0 * d[y] * b  # noqa: F821
        d[b] = 2.0 * d[y] * a  # noqa: F821

    check_both_modes(uses_product, np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -0.25]))


def not_linear(x):
    return x


def test_a_declaration_the_tangent_cannot_be_derived_from_is_refused(scratch_registry):
    with pytest.raises(RuleError, match="every line must be `d\\[x\\] = ...`"):
        @self_adjoint(not_linear)
        def no_seed(y, x):
            d[x] = 2.0 * x  # noqa: F821
    with pytest.raises(RuleError, match="must begin with `y = <the product>`"):
        @bilinear(not_linear)
        def no_product(y, x):
            d[x] = d[y]  # noqa: F821
    assert registry.lookup(not_linear) is None


def test_purity_is_one_flag_in_the_registry():
    """cleanup, finish, batching and the reverse mode's accumulation ask the registry, and keep no list."""
    import inspect

    from srcdiff.modes import batching
    from srcdiff.optimize import cleanup, finish
    from srcdiff.runtime import helpers as runtime
    from srcdiff.modes import adjoints
    from srcdiff.rules import helper_is, is_pure_method
    from srcdiff.runtime import kernels

    assert helper_is("pure", runtime.unbroadcast) and helper_is("pure", runtime.reduced)
    assert helper_is("fresh", kernels.matmul_lhs) and helper_is("fresh", runtime.zeros_like)
    assert not helper_is("pure", kernels.matmul_lhs)  # its dead calls stay, as before
    assert not helper_is("fresh", runtime.unbroadcast)  # may return its argument
    assert is_pure_method("reshape") and not is_pure_method("sort")
    for module in (batching, cleanup, finish, adjoints):
        text = inspect.getsource(module)
        assert "PURE_HELPERS" not in text and "_FRESH_HELPERS" not in text and "_PURE_METHODS" not in text


def test_what_srcdiff_knows_of_matmul_is_declared_with_its_rules():
    """The batched sums, the fast forms by rank and the result shape sit with the rules
    (runtime_rules, numpy_products); batching, specialize and the shape analysis ask for them."""
    import inspect

    from srcdiff.modes import batching
    from srcdiff.optimize import specialize
    from srcdiff.analysis import shapes
    from srcdiff.rules import fact
    from srcdiff.runtime import kernels, kernels_batched

    assert fact(kernels.matmul_lhs, "batched") == (kernels_batched.matmul_lhs_sum, 1, ("g", "x"))
    assert fact(kernels.matmul_rhs, "batched") == (kernels_batched.matmul_rhs_sum, 2, ("g", "x"))
    assert fact(np.matmul, "result_shape")[0]((3, 4), (4, 5)) == (3, 5)
    assert fact(np.dot, "result_shape")[1] == ("a", "b")
    assert "_BATCHED" not in inspect.getsource(batching)
    assert "ir.Attr(b, \"T\")" not in inspect.getsource(specialize)
    assert "numpy.matmul" not in inspect.getsource(shapes)


@pytest.mark.parametrize("name", ["matmul_lhs", "matmul_rhs"])
def test_fast_forms_of_the_matmul_kernels_compute_the_kernel(name):
    from srcdiff.rules import fact
    from srcdiff.runtime import kernels
    kernel = getattr(kernels, name)
    rng = np.random.default_rng(7)
    forms = fact(kernel, "by_rank")
    assert set(forms) == {(2, 2), (2, 1), (1, 2)}
    for (rank_a, rank_b), form in forms.items():
        a = rng.standard_normal({2: (3, 4), 1: (4,)}[rank_a])
        b = rng.standard_normal({2: (4, 5), 1: (4,)}[rank_b])
        g = rng.standard_normal(np.shape(a @ b))
        expr = form(ir.Name("g"), ir.Name("a"), ir.Name("b"), ir.Name("np"))
        value = eval(syntax.unparse(expr), {"g": g, "a": a, "b": b, "np": np})
        np.testing.assert_allclose(value, kernel(g, a, b), rtol=1e-12)
