"""Modules as values (issue 15, item 2): a module passed as an argument or bound to a local name
resolves like the global it is, and a method call on a value srcdiff cannot type never silently
drops a derivative. Gradients are checked against central finite differences, tangents against
the gradient, in both modes."""
import types

import numpy as np
import pytest

import srcdiff
from srcdiff import MissingRuleError, UnsupportedSyntaxError
from tests.support.trust_helpers import check_both_modes, located_at, numeric_grad
from tests.support.trust_helpers import fresh_cache  # noqa: F401  (a fixture)

try:
    import scipy.special
except ImportError:  # pragma: no cover
    scipy = None

X = np.array([0.3, -0.7, 1.1])
POS = np.array([0.3, 0.7, 1.1])


pytestmark = pytest.mark.usefixtures("fresh_cache")


# ======================================================= modules as values


def module_default(x, xp=np):
    return xp.sum(xp.sin(x))


def module_argument(x, xp):
    return xp.sum(xp.sin(x) * x)


def module_alias(x):
    m = np
    return m.sum(x ** 2)


def submodule_alias(x):
    la = np.linalg
    return la.norm(x)


def alias_of_alias(x):
    m = np
    la = m.linalg
    return la.norm(x) * m.sum(m.tanh(x))


def function_alias(x):
    sqrt = np.sqrt
    return np.sum(sqrt(x * x + 1.0))


def tuple_aliases(x):
    pi, sqrt, tanh = np.pi, np.sqrt, np.tanh
    return np.sum(sqrt(x * x + 1.0) * pi + tanh(x))


def helper_with_module(x, xp):
    return xp.sum(xp.exp(x) * x)


def passes_module(x):
    return helper_with_module(x, np)


def passes_alias(x):
    m = np
    return helper_with_module(x, m) + helper_with_module(x, xp=m)


def passes_own_module(x, xp=np):
    y = xp.tanh(x)
    for _ in range(2):
        y = xp.cos(y) * x
    return helper_with_module(y, xp)


@pytest.mark.parametrize("f", [module_default, module_alias, submodule_alias, alias_of_alias, function_alias,
                               tuple_aliases, passes_module, passes_alias, passes_own_module])
def test_module_bound_to_another_name_resolves_like_np(f):
    check_both_modes(f, X)


def test_module_passed_explicitly():
    check_both_modes(module_argument, X, np)
    check_both_modes(module_default, X, np)


def test_module_default_specializes_the_shown_source():
    assert "np.cos(x)" in srcdiff.grad(module_default).source


def test_specializations_per_module_do_not_mix():
    """Code specialized to one module is not run for another: each gets its own, alternately."""
    fake = types.ModuleType("fake_numpy")
    fake.sum, fake.sin = np.sum, np.cos  # a module whose `sin` differs
    g = srcdiff.grad(module_argument)
    for module in (np, fake, np, fake):
        np.testing.assert_allclose(g(X, module), numeric_grad(lambda v: module_argument(v, module), X), rtol=1e-6)
        value, tangent = srcdiff.jvp(module_argument, (X, module), np.ones(3))
        np.testing.assert_allclose(tangent, np.sum(numeric_grad(lambda v: module_argument(v, module), X)),
                                   rtol=1e-6)


def test_an_object_that_is_not_a_module_is_refused():
    class Doubled:
        sum = staticmethod(lambda v: 2.0 * np.sum(v))
        sin = staticmethod(np.sin)
    with pytest.raises(MissingRuleError):
        srcdiff.grad(module_argument)(X, Doubled())


@pytest.mark.skipif(scipy is None, reason="SciPy is not installed")
def test_scipy_special_bound_to_a_local_name():
    def special_alias(x):
        sp = scipy.special
        return np.sum(sp.gammaln(x) + sp.expit(x))
    check_both_modes(special_alias, POS)


def test_import_inside_the_function_is_refused():
    def imports(x):
        import numpy as xp
        return xp.sum(x ** 2)
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(imports)(X)
    assert "import numpy as xp" in str(info.value) and "module level" in str(info.value)


# ================================================ methods of untyped values


def module_in_a_list(x):
    mods = [np]
    return helper_with_module(x, mods[0])


def module_in_a_dict(x, cfg):
    return cfg['xp'].sum(x ** 2)


class Namespace:
    xp = np


def module_as_attribute(x, obj):
    m = obj.xp
    return m.mean(x ** 2)


@pytest.mark.parametrize("api", ["grad", "jvp"])
@pytest.mark.parametrize("f, args, needle, receiver", [
    pytest.param(module_in_a_list, (), "return xp.sum(xp.exp(x) * x)", "`xp`", id="list-item"),
    pytest.param(module_in_a_dict, ({"xp": np},), "return cfg['xp'].sum(x ** 2)", "the object `.sum()` is called on",
                 id="dict-item"),
    pytest.param(module_as_attribute, (Namespace(),), "return m.mean(x ** 2)", "`m`", id="attribute"),
])
def test_method_of_an_untyped_value_is_refused(api, f, args, needle, receiver):
    """Before: ``numpy.sum(module, axis=varied)``, a zero gradient and a zero tangent."""
    with pytest.raises(MissingRuleError) as info:
        if api == "grad":
            srcdiff.grad(f)(X, *args)
        else:
            srcdiff.jvp(f, (X,) + args, np.ones(3))
    msg = str(info.value)
    fn = helper_with_module if f is module_in_a_list else f
    located_at(msg, fn, needle)
    assert "cannot tell what %s holds" % receiver in msg, msg
    assert "parameter default (`xp=np`)" in msg  # the fix


def test_unknown_method_of_an_untyped_value_mentions_modules():
    def unknown(x, obj):
        return obj.xp.norm(x)
    with pytest.raises(MissingRuleError) as info:
        srcdiff.grad(unknown)(X, Namespace())
    assert "If `" in str(info.value) and "holds a module" in str(info.value)


def test_array_methods_still_work():
    def methods(x, c):
        return x.sum() + (x * x).mean(axis=0) + c.dot(x) + x.reshape(3, 1).T.sum()
    check_both_modes(methods, X, np.array([1.0, 2.0, 3.0]))


def _r_and_c_through_a_module_parameter(x, xp=np):
    return xp.sum(xp.c_[xp.cos(x), x] ** 2) + xp.sum(xp.r_[x, 2.0 * x])


def _r_through_a_local_module_alias(x):
    m = np
    return m.sum(m.r_[x, x] ** 2)


@pytest.mark.parametrize("fun", [_r_and_c_through_a_module_parameter, _r_through_a_local_module_alias],
                         ids=["parameter", "alias"])
def test_r_and_c_reached_through_a_module_value(fun):
    """Found by the fuzzer: ``xp.c_[...]`` with ``xp=np`` was read as indexing a constant (a zero
    gradient), while ``np.c_[...]`` had its rules."""
    x = np.array([0.3, -1.2])
    eps = 1e-6
    fd = np.array([(fun(x + eps * e) - fun(x - eps * e)) / (2 * eps) for e in np.eye(2)])
    np.testing.assert_allclose(srcdiff.grad(fun)(x), fd, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(srcdiff.jvp(fun, (x,), np.ones(2))[1], fd.sum(), rtol=1e-7)
