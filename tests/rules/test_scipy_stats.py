"""scipy.stats distributions (issue 18): every (distribution, method, argument) in both modes against
central finite differences, called unfrozen and frozen, positionally and by keyword (the cdf family of
t, gamma, chi2 and beta in their shapes too); points outside the support; user rules for ``(x, *args)``."""
import importlib.util
import itertools
import os
import tempfile

import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at

stats = pytest.importorskip("scipy.stats")

LOC, SCALE = 0.3, 1.7
X_ANY = np.array([-1.1, 0.4, 2.5])
X_POS = LOC + SCALE * np.array([0.2, 1.0, 2.5])
X_UNIT = LOC + SCALE * np.array([0.1, 0.45, 0.8])
CONTINUOUS = {  # name -> (shape values, points inside the support)
    "norm": ((), X_ANY), "logistic": ((), X_ANY), "cauchy": ((), X_ANY), "laplace": ((), X_ANY),
    "expon": ((), X_POS), "uniform": ((), X_UNIT), "lognorm": ((0.8,), X_POS), "t": ((3.5,), X_ANY),
    "gamma": ((2.5,), X_POS), "chi2": ((3.2,), X_POS), "beta": ((2.2, 3.1), X_UNIT),
}
METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")
FORMS = ("positional", "keyword", "frozen", "frozen_keyword")

_DIR = tempfile.mkdtemp(prefix="srcdiff_stats_")
_MODULES = {}


def user_function(name, method, shapes, form, prefix="x"):
    """A user's function ``f(x, shape..., loc, scale)`` returning the sum of the method's values,
    written in a module file of its own (srcdiff reads the source)."""
    params = [prefix] + ["p%d" % i for i in range(len(shapes))] + (["loc", "scale"] if prefix == "x" else [])
    shape_args = ", ".join(params[1:1 + len(shapes)])
    if prefix == "x":
        positional = ", ".join(params[1:])
        keyword = ", ".join(filter(None, [shape_args, "loc=loc", "scale=scale"]))
    else:  # a discrete distribution: its loc is left at the default
        positional = keyword = shape_args
    call = {"positional": "stats.%s.%s(%s, %s)" % (name, method, prefix, positional),
            "keyword": "stats.%s.%s(%s, %s)" % (name, method, prefix, keyword),
            "frozen": "stats.%s(%s).%s(%s)" % (name, positional, method, prefix),
            "frozen_keyword": "stats.%s(%s).%s(%s)" % (name, keyword, method, prefix)}[form]
    body = "    d = %s\n    return np.sum(d)\n" % call
    if form == "frozen_keyword":  # frozen in one statement, used in another
        body = "    dist = stats.%s(%s)\n    d = dist.%s(%s)\n    return np.sum(d)\n" % (name, keyword, method, prefix)
    source = "import numpy as np\nfrom scipy import stats\n\n\ndef f(%s):\n%s" % (", ".join(params), body)
    return _load(source)


def _load(source):
    if source not in _MODULES:
        path = os.path.join(_DIR, "user_%d.py" % len(_MODULES))
        with open(path, "w") as fh:
            fh.write(source)
        spec = importlib.util.spec_from_file_location("srcdiff_stats_user_%d" % len(_MODULES), path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _MODULES[source] = module.f
    return _MODULES[source]


def directional_fd(f, args, i, direction, h=1e-6):
    plus = list(args)
    minus = list(args)
    plus[i] = args[i] + h * direction
    minus[i] = args[i] - h * direction
    return (f(*plus) - f(*minus)) / (2 * h)


def check(f, args, i, direction=None, rtol=1e-6):
    """grad (reverse) and jvp (forward) with respect to argument ``i`` against central differences."""
    args = [np.asarray(a, dtype=float) if np.ndim(a) else float(a) for a in args]
    direction = np.ones_like(args[i]) if direction is None else direction
    if np.ndim(args[i]) == 0:
        direction = 1.0
    expected = directional_fd(f, args, i, direction)
    value, g = srcdiff.value_and_grad(f, wrt=i)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-11)
    np.testing.assert_allclose(np.sum(np.asarray(g) * direction), expected, rtol=rtol, atol=1e-8)
    value, tangent = srcdiff.jvp(f, tuple(args), direction, wrt=i)
    np.testing.assert_allclose(value, f(*args), rtol=1e-11)
    np.testing.assert_allclose(tangent, expected, rtol=rtol, atol=1e-8)


def _continuous_cases():
    for name, method, form in itertools.product(CONTINUOUS, METHODS, FORMS):
        shapes = CONTINUOUS[name][0]
        for i in range(2 + len(shapes) + 1):
            yield name, method, form, i


@pytest.mark.parametrize("name,method,form,i", list(_continuous_cases()))
def test_continuous(name, method, form, i):
    shapes, x = CONTINUOUS[name]
    f = user_function(name, method, shapes, form)
    args = [x] + list(shapes) + [LOC, SCALE]
    check(f, args, i)


DISCRETE = {  # name -> (counts, shapes, index of the continuous shape)
    "poisson": (np.array([0.0, 1.0, 3.0]), (2.3,), 1),
    "binom": (np.array([0.0, 2.0, 5.0]), (7.0, 0.35), 2),
    "bernoulli": (np.array([0.0, 1.0, 1.0]), (0.3,), 1),
}


@pytest.mark.parametrize("name,method,form", list(itertools.product(DISCRETE, ("logpmf", "pmf"), FORMS)))
def test_discrete(name, method, form):
    k, shapes, i = DISCRETE[name]
    f = user_function(name, method, shapes, form, prefix="k")
    check(f, [k] + list(shapes), i)


@pytest.mark.parametrize("name", list(DISCRETE))
def test_discrete_count_is_refused(name):
    k, shapes, _ = DISCRETE[name]
    f = user_function(name, "logpmf", shapes, "positional", prefix="k")
    with pytest.raises(srcdiff.SrcdiffError, match="count k") as info:
        srcdiff.grad(f)(k, *shapes)
    located_at(str(info.value), f, "d = ")


RNG = np.random.default_rng(18)
MEAN = np.array([0.2, -0.4, 1.0])
_A = RNG.normal(size=(3, 3))
COV = _A @ _A.T + 3 * np.eye(3)
POINTS = RNG.normal(size=(4, 3))
MVN_FORMS = {
    "positional": "stats.multivariate_normal.%s(x, mean, cov)",
    "keyword": "stats.multivariate_normal.%s(x, mean=mean, cov=cov)",
    "frozen": "stats.multivariate_normal(mean, cov).%s(x)",
    "frozen_keyword": "stats.multivariate_normal(cov=cov, mean=mean).%s(x)",
}


@pytest.mark.parametrize("method,form,i,points", list(itertools.product(
    ("logpdf", "pdf"), MVN_FORMS, (0, 1, 2), ("one", "many"))))
def test_multivariate_normal(method, form, i, points):
    source = "import numpy as np\nfrom scipy import stats\n\n\ndef f(x, mean, cov):\n    d = %s\n" \
             "    return np.sum(d)\n" % (MVN_FORMS[form] % method)
    f = _load(source)
    x = POINTS[0] if points == "one" else POINTS
    direction = RNG.normal(size=np.shape([x, MEAN, COV][i]))  # not symmetric: SciPy reads cov's lower triangle
    check(f, [x, MEAN, COV], i, direction)


@pytest.mark.parametrize("cov", [2.5, np.array([1.5, 0.7, 2.0])], ids=["scalar", "diagonal"])
def test_multivariate_normal_other_covariances(cov):
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, mean, cov):\n"
              "    return np.sum(stats.multivariate_normal.logpdf(x, mean, cov))\n")
    for i in range(3):
        check(f, [POINTS, MEAN, cov], i, RNG.normal(size=np.shape([POINTS, MEAN, cov][i])))


def test_multivariate_normal_defaults():
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x):\n"
              "    return np.sum(stats.multivariate_normal.logpdf(x))\n")
    check(f, [np.array([0.3, -1.0, 2.0])], 0)  # dimension 1: three points


@pytest.mark.parametrize("form", ["positional", "frozen", "last_implied"])
def test_dirichlet(form):
    call = {"positional": "stats.dirichlet.logpdf(x, alpha)", "frozen": "stats.dirichlet(alpha).logpdf(x)",
            "last_implied": "stats.dirichlet.logpdf(x[:2], alpha)"}[form]
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, alpha):\n    return np.sum(%s)\n" % call)
    x, alpha = np.array([0.2, 0.3, 0.5]), np.array([1.5, 2.0, 3.5])
    check(f, [x, alpha], 1, np.array([0.3, -1.0, 0.6]))
    check(f, [x, alpha], 0, np.array([1.0, -0.5, -0.5]))  # along the simplex: SciPy refuses points off it


def test_dirichlet_several_points():
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, alpha):\n"
              "    return np.sum(stats.dirichlet.logpdf(x, alpha))\n")
    x = np.array([[0.2, 0.6], [0.3, 0.1], [0.5, 0.3]])  # components along the first axis
    check(f, [x, np.array([1.5, 2.0, 3.5])], 1, np.array([0.3, -1.0, 0.6]))


_RULE_CALLS = []


def factor(x, loc, scale):
    """(x - loc) / scale**2, counting its calls (is the user's rule used?)"""
    _RULE_CALLS.append(1)
    return (x - loc) / scale ** 2


def test_user_rule_for_a_star_args_signature():
    """``@srcdiff.adjoint(norm.logpdf, params=...)``: a rule for ``(x, *args, **kwds)``, used before
    srcdiff's own definition, unfrozen and frozen, with defaults omitted."""
    from srcdiff.rules import registry
    dist = stats.norm
    calls = _RULE_CALLS
    try:
        @srcdiff.adjoint(dist.logpdf, params=("x", "loc", "scale"), elementwise=True)
        def logpdf_adjoint(y, x, loc=0.0, scale=1.0):
            d[x] = -d[y] * factor(x, loc, scale)  # noqa: F821
            d[loc] = d[y] * factor(x, loc, scale)  # noqa: F821
            d[scale] = d[y] * ((x - loc) ** 2 / scale ** 3 - 1.0 / scale)  # noqa: F821

        @srcdiff.tangent(dist.logpdf, params=("x", "loc", "scale"))
        def logpdf_tangent(y, x, loc=0.0, scale=1.0):
            t[y] = (t[loc] - t[x]) * factor(x, loc, scale) + t[scale] * ((x - loc) ** 2 / scale ** 3 - 1.0 / scale)  # noqa: F821

        for form in ("positional", "keyword", "frozen", "frozen_keyword"):
            f = user_function("norm", "logpdf", (), form)
            for i in range(3):
                before = len(calls)
                check(f, [X_ANY, LOC, SCALE], i)
                assert len(calls) > before or i == 2, "the user's rule was not used (%s)" % form  # 2: no factor
        g = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x):\n    return np.sum(stats.norm.logpdf(x))\n")
        check(g, [X_ANY], 0)
    finally:
        registry.remove(dist.logpdf)


def test_star_args_signature_without_params_is_a_rule_error():
    from srcdiff.rules import registry
    with pytest.raises(registry.RuleError, match="no such parameter"):
        @srcdiff.adjoint(stats.cauchy.logpdf)
        def logpdf_adjoint(y, x, loc=0.0, scale=1.0):
            d[x] = d[y]  # noqa: F821
    registry.remove(stats.cauchy.logpdf)
    with pytest.raises(registry.RuleError, match="params="):
        srcdiff.adjoint(stats.cauchy.logpdf, params="x")(lambda y, x: None)
    registry.remove(stats.cauchy.logpdf)


OUTSIDE = {  # name -> (shapes, points outside the support, below and above)
    "expon": ((), [-0.5]), "uniform": ((), [-0.5, 2.5]), "lognorm": ((0.8,), [-0.5]), "gamma": ((2.5,), [-0.5]),
    "chi2": ((3.2,), [-0.5]), "beta": ((2.2, 3.1), [-0.5, 2.5]),
}


@pytest.mark.parametrize("name,method", list(itertools.product(OUTSIDE, METHODS)))
def test_outside_the_support(name, method):
    """SciPy's value there (-inf, 0 or 1) and a zero derivative, both modes; a NaN point gives a NaN
    value (its derivative follows the formula, as srcdiff's grad of ``2 * x`` at NaN is 2)."""
    shapes, outside = OUTSIDE[name]
    f = user_function(name, method, shapes, "positional")
    x = np.array(outside + [np.nan])
    args = [x] + list(shapes) + [LOC, SCALE]
    value, _ = srcdiff.value_and_grad(f)(*args)
    np.testing.assert_array_equal(value, f(*args))
    per_point = [f(np.array([v]), *args[1:]) for v in x]
    for i, v in enumerate(per_point):
        one = [np.array([x[i]])] + args[1:]
        wrt = tuple(range(len(args)))
        value, grads = srcdiff.value_and_grad(f, wrt=wrt)(*one)
        np.testing.assert_array_equal(value, v)
        if np.isnan(v):
            continue
        assert all(np.all(d == 0) for d in grads), (x[i], v, grads)
        for j in wrt:
            value, tangent = srcdiff.jvp(f, tuple(one), np.ones(1) if j == 0 else 1.0, wrt=j)
            np.testing.assert_array_equal(value, v)
            assert tangent == 0, (x[i], j, tangent)


@pytest.mark.parametrize("name", ["norm", "gamma", "beta"])
def test_invalid_parameters_give_nan(name):
    """A negative scale or shape: SciPy's value is NaN, and so is every derivative, in both modes."""
    shapes, x = CONTINUOUS[name]
    f = user_function(name, "logpdf", shapes, "keyword")
    cases = [[x] + list(shapes) + [LOC, -1.0]] + ([[x] + [-s for s in shapes] + [LOC, SCALE]] if shapes else [])
    for bad in cases:
        assert np.isnan(f(*bad))
        for i in range(len(bad)):
            value, g = srcdiff.value_and_grad(f, wrt=i)(*bad)
            assert np.isnan(value) and np.all(np.isnan(g)), (bad, i, g)
            value, tangent = srcdiff.jvp(f, tuple(bad), np.ones_like(bad[i]) if i == 0 else 1.0, wrt=i)
            assert np.isnan(value) and np.isnan(tangent), (bad, i, tangent)


def test_a_removed_user_rule_is_not_used_by_earlier_code():
    """Code generated while a user's rule for ``norm.logpdf`` was registered is not served once it is
    removed (it gave -3.81 where srcdiff's own definition gives NaN, for scale -1), nor is code generated
    before the rule served while it is registered; both modes."""
    from srcdiff.rules import registry
    f = user_function("norm", "logpdf", (), "keyword")
    valid, invalid = [X_ANY, LOC, SCALE], [X_ANY, LOC, -1.0]
    same = srcdiff.value_and_grad(f, wrt=2)  # also one transformed object kept across the changes
    for run in (lambda args: srcdiff.value_and_grad(f, wrt=2)(*args)[1], lambda args: same(*args)[1],
                lambda args: srcdiff.jvp(f, tuple(args), 1.0, wrt=2)[1]):
        expected = run(valid)  # srcdiff's own definition, cached
        assert np.isnan(run(invalid))
        calls = _RULE_CALLS
        try:
            @srcdiff.adjoint(stats.norm.logpdf, params=("x", "loc", "scale"), elementwise=True)
            def logpdf_adjoint(y, x, loc=0.0, scale=1.0):
                d[x] = -d[y] * factor(x, loc, scale)  # noqa: F821
                d[loc] = d[y] * factor(x, loc, scale)  # noqa: F821
                d[scale] = d[y] * (factor(x, loc, scale) * (x - loc) / scale - 1.0 / scale)  # noqa: F821

            @srcdiff.tangent(stats.norm.logpdf, params=("x", "loc", "scale"))
            def logpdf_tangent(y, x, loc=0.0, scale=1.0):
                t[y] = (t[loc] - t[x]) * factor(x, loc, scale) + \
                    t[scale] * (factor(x, loc, scale) * (x - loc) / scale - 1.0 / scale)  # noqa: F821

            before = len(calls)
            np.testing.assert_allclose(run(valid), expected, rtol=1e-12)
            assert len(calls) > before, "the user's rule, registered after the first call, was not used"
            assert np.isfinite(run(invalid))  # the user's formula knows nothing of invalid scales
        finally:
            registry.remove(stats.norm.logpdf)
        before = len(calls)
        np.testing.assert_allclose(run(valid), expected, rtol=1e-12)
        assert np.isnan(run(invalid)) and len(calls) == before


def test_global_frozen_distribution_is_guarded():
    """``prior = norm(0, 1)`` at module level: its parameters are constants of the generated code,
    which is rebuilt when the global is rebound."""
    module_source = ("import numpy as np\nfrom scipy import stats\nprior = stats.norm(0.5, 2.0)\n\n\n"
                     "def f(w):\n    return np.sum(prior.logpdf(w)) + np.sum(prior.cdf(w))\n")
    f = _load(module_source)
    w = np.array([0.1, -0.7, 1.5])
    check(f, [w], 0)
    f.__globals__["prior"] = stats.norm(-1.0, 0.5)
    check(f, [w], 0)
    f.__globals__["prior"] = stats.gamma(2.0)
    check(f, [np.array([0.1, 0.7, 1.5])], 0)


def test_frozen_parameters_rebound_before_use_are_not_read_late():
    """``d = norm(mu, 1); mu = ...; d.logpdf(x)``: d keeps the old mu. srcdiff does not rewrite that
    use (it would read the new mu) and refuses instead of answering wrongly."""
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, mu):\n    d = stats.norm(mu, 1.0)\n"
              "    mu = mu * 3.0\n    return np.sum(d.logpdf(x)) + mu\n")
    with pytest.raises(srcdiff.SrcdiffError) as info:
        srcdiff.grad(f, wrt=1)(X_ANY, 0.3)
    located_at(str(info.value), f, "d.logpdf(x)")


def test_frozen_in_a_loop():
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, mu, s):\n    d = stats.norm(mu, s)\n"
              "    total = 0.0\n    for i in range(3):\n        total = total + d.logpdf(x[i]) * (i + 1)\n"
              "    return total\n")
    for i in range(3):
        check(f, [X_ANY, LOC, SCALE], i)


def test_a_method_without_definition_is_refused_by_name():
    for call in ("stats.norm.ppf(x, mu)", "stats.norm(mu, 1.0).ppf(x)"):
        f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, mu):\n    return np.sum(%s)\n" % call)
        for run in (lambda f=f: srcdiff.grad(f, wrt=1)(np.array([0.3]), 0.2),
                    lambda f=f: srcdiff.jvp(f, (np.array([0.3]), 0.2), 1.0, wrt=1)):
            with pytest.raises(srcdiff.SrcdiffError, match=r"scipy\.stats\.norm\.ppf") as info:
                run()
            assert 'params=("q", "loc", "scale")' in str(info.value)
            located_at(str(info.value), f, call)


def test_inactive_calls_are_left_alone():
    """A distribution call that does not depend on the differentiated input costs nothing extra."""
    f = _load("import numpy as np\nfrom scipy import stats\n\n\ndef f(x, mu):\n"
              "    c = stats.norm.ppf(0.975)\n    return np.sum(stats.norm.logpdf(x, mu)) * c\n")
    check(f, [X_ANY, LOC], 1)


@pytest.mark.parametrize("name,method", [("norm", "logpdf"), ("t", "cdf"), ("gamma", "logpdf"), ("beta", "logsf"),
                                         ("laplace", "cdf")])
def test_broadcast_parameters(name, method):
    """Array parameters broadcast against x as in SciPy: the gradient of each has its shape."""
    shapes, x = CONTINUOUS[name]
    f = user_function(name, method, shapes, "keyword")
    loc = np.array([[0.0], [0.1]]) + LOC - 0.05
    scale = np.array([1.0, 1.1, 0.9]) * SCALE
    shape_arrays = [np.array([[1.0], [1.2]]) * s for s in shapes]
    args = [x] + shape_arrays + [loc, scale]
    for i in range(len(args)):
        check(f, args, i, RNG.normal(size=np.shape(args[i])))
