"""Misuse of srcdiff: every mistake gets a SrcdiffError that says where and what to do instead.

The product rule: bad input gets a clear error naming the file, the line, the offending source
text and a fix, never a silently wrong gradient. Each test below is one misuse. It checks the
exception type, that the message names what matters, that the error comes at the right time
(the first call of the transformed function; ``wrt`` mistakes already at ``grad(...)``), and
that nothing half-built is left behind: calling again raises the same error, and a correct
function still differentiates afterwards.

Expected line numbers are found by searching the user function's source, never hard-coded.
Cases where srcdiff falls short are strict xfails whose reason says what it does instead.
"""
import contextlib
import functools
import inspect
import math
import operator
import os
import re
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff import (ArgumentError, MissingRuleError, NonDifferentiableError, SourceUnavailableError, SrcdiffError,
                     UnsupportedSyntaxError)
from srcdiff.backend import cache as srcdiff_cache

if sys.version_info >= (3, 10):
    from tests.data.match_helper import f_match  # `match` is a syntax error before Python 3.10
else:  # pragma: no cover
    f_match = None

X = np.array([1.0, -2.0, 0.5])
A = np.array([[2.0, 1.0], [0.5, 3.0]])


def xfail(raises, reason):
    """A known srcdiff shortcoming: the test must fail, and exactly with ``raises``."""
    return pytest.mark.xfail(strict=True, raises=raises, reason=reason)


NO_ERROR = pytest.fail.Exception  # what pytest.raises raises when nothing was raised


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test transforms from scratch, so "a correct call after the error" really transforms."""
    srcdiff_cache.clear()
    yield


# ------------------------------------------------------------------ helpers


def line_of(fn, needle):
    """The line number (in its file) of the first line of ``fn``'s source containing ``needle``."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, text in enumerate(lines) if needle in text]
    assert hits, "test bug: %r is not in the source of %s" % (needle, fn.__name__)
    return hits[0]


def location(fn, needle):
    """``file.py:LINE`` of ``needle`` in ``fn``."""
    return "%s:%d" % (os.path.basename(inspect.getsourcefile(fn)), line_of(fn, needle))


def assert_located(message, fn, needle, text=None):
    """The message names the file and line of ``needle`` in ``fn``, and shows ``text`` (default: the needle)."""
    where = location(fn, needle)
    assert where in message, "the message does not name %s:\n%s" % (where, message)
    text = needle if text is None else text
    assert text in message, "the message does not show the source text %r:\n%s" % (text, message)


def _good_helper(v):
    return v * 2.0


def good(x):
    y = _good_helper(x)
    return np.sum(y ** 2)


def assert_recovers(call, error):
    """Calling again raises the same error, and a correct function (with a callee) still works."""
    with pytest.raises(type(error)) as again:
        call()
    assert str(again.value) == str(error)
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(srcdiff.grad(good)(x), 8.0 * x)
    value, pullback = srcdiff.vjp(good)(x)
    np.testing.assert_allclose(value, 4.0 * np.sum(x ** 2))
    np.testing.assert_allclose(pullback(1.0), 8.0 * x)


def test_error_types_form_one_hierarchy():
    for cls in (SourceUnavailableError, UnsupportedSyntaxError, MissingRuleError, NonDifferentiableError,
                ArgumentError):
        assert issubclass(cls, SrcdiffError)
    assert issubclass(ArgumentError, TypeError)


# ====================================================== 1. no source to read


@pytest.mark.parametrize("api, builtin", [
    pytest.param(srcdiff.grad, np.sin, id="grad-np.sin"),
    pytest.param(srcdiff.vjp, math.sin, id="vjp-math.sin"),
])
def test_builtin_function_has_no_source(api, builtin):
    call = lambda: api(builtin)(0.5)  # noqa: E731  (refusing at api(...) or at the first call is fine)
    with pytest.raises(SourceUnavailableError) as info:
        call()
    msg = str(info.value)
    assert "sin" in msg
    assert "builtin" in msg or "no Python source" in msg
    assert "`def`" in msg  # the fix: write the function with def in a .py file
    assert_recovers(call, info.value)


def test_function_created_by_exec_has_no_source():
    namespace = {"np": np}
    exec("def from_exec(x):\n    return np.sum(x ** 2)\n", namespace)
    g = srcdiff.grad(namespace["from_exec"])  # lazy: nothing is read yet
    with pytest.raises(SourceUnavailableError) as info:
        g(X)
    msg = str(info.value)
    assert "from_exec" in msg
    assert "exec" in msg
    assert "`def`" in msg and ".py file" in msg
    assert_recovers(lambda: g(X), info.value)


square, cube = (lambda x: np.sum(x ** 2)), (lambda x: np.sum(x ** 3))

halfsq = lambda x: 0.5 * np.sum(x ** 2)  # noqa: E731


@pytest.mark.parametrize("fn", [square, cube], ids=["first", "second"])
def test_two_lambdas_on_one_line_are_ambiguous(fn):
    g = srcdiff.grad(fn)
    with pytest.raises(SourceUnavailableError) as info:
        g(X)
    msg = str(info.value)
    assert "<lambda>" in msg and "2 lambdas" in msg
    assert "`def`" in msg  # the fix
    assert location(fn, "square, cube =") in msg
    assert_recovers(lambda: g(X), info.value)


def test_single_lambda_on_its_own_line_works():
    np.testing.assert_allclose(srcdiff.grad(halfsq)(X), X)
    value, grad = srcdiff.value_and_grad(halfsq)(X)
    np.testing.assert_allclose(value, 0.5 * np.sum(X ** 2))
    np.testing.assert_allclose(grad, X)


# ==================================================== 2. unsupported syntax


def f_try(x):
    try:
        y = x * 2.0
    except ValueError:
        y = x
    return np.sum(y)


def f_with(x):
    with contextlib.nullcontext():
        y = x * 2.0
    return np.sum(y)


G_SCALE = 2.0


def f_global(x):
    global G_SCALE
    return np.sum(x * G_SCALE)


def _make_nonlocal():
    k = 2.0

    def f_nonlocal(x):
        nonlocal k
        return np.sum(x * k)
    return f_nonlocal


f_nonlocal = _make_nonlocal()


def f_generator(x):
    yield np.sum(x)


async def f_async(x):
    return np.sum(x)


def f_nested_def(x):  # a def at the top of the body is written out at its calls; one in a block is refused
    if x[0] > 0:
        def h(z):
            return z * 2.0
        return np.sum(h(x))
    return np.sum(x)


def f_lambda_in_body(x):  # a lambda bound to a name is written out at its calls; one passed on is refused
    return np.sum(np.array(sorted(x, key=lambda z: z * 2.0)))


def f_class_in_body(x):
    class K:
        scale = 2.0
    return np.sum(x * K.scale)


def f_import_in_body(x):
    import math
    return np.sum(x) * math.pi


def f_raise(x):  # raising an exception object is supported (tests/front/test_raise_assert.py); re-raising is not
    if x[0] > 100.0:
        raise
    return np.sum(x)


def f_del(x):
    y = x * 2.0
    z = y + 1.0
    del y
    return np.sum(z)


def f_walrus(x):
    if (n := x.size) > 0:
        x = x * n
    return np.sum(x)


def f_fstring(x):  # f-strings are supported (tests/front/test_raise_assert.py), but not a field inside a format spec
    label = f"{x.size:{x.ndim}d} entries"
    return np.sum(x)


def f_set_literal(x):
    s = {1.0, 2.0}
    return np.sum(x) * len(s)


def f_set_comprehension(x):
    s = {v for v in [1, 2]}
    return np.sum(x) * len(s)


class Holder:
    pass


HOLDER = Holder()


def f_attribute_assign(x):
    HOLDER.value = x
    return np.sum(x)


def f_nested_subscript(x):
    a = np.zeros((2, 2))
    a[0][1] = x[0]
    return np.sum(a)


_NO_TEXT = "normalize.Normalizer.fail is called without the source text: the message is only "

SYNTAX_CASES = [
    # user function, needle locating the offending line, text the message must show, word of the fix
    pytest.param(f_try, "try:", "try:", "caller", id="try"),
    pytest.param(f_with, "with contextlib", "with contextlib.nullcontext()", "context manager", id="with"),
    pytest.param(f_global, "global G_SCALE", None, "argument", id="global"),
    pytest.param(f_nonlocal, "nonlocal k", None, "argument", id="nonlocal"),
    pytest.param(f_generator, "def f_generator", None, "consumes it", id="yield"),
    pytest.param(f_async, "async def f_async", None, "synchronous", id="async-def",
                 marks=()),
    pytest.param(f_nested_def, "def h(", None, "module level", id="nested-def"),
    pytest.param(f_lambda_in_body, "key=lambda", "lambda z: z * 2.0", "module level", id="lambda"),
    pytest.param(f_class_in_body, "class K", None, "outside", id="class"),
    pytest.param(f_import_in_body, "import math", None, "module level", id="import"),
    pytest.param(f_raise, "        raise\n", "    raise\n", "exception object", id="raise"),
    pytest.param(f_del, "del y", None, "Remove the `del`", id="del"),
    pytest.param(f_walrus, "n := x.size", None, "own statement", id="walrus"),
    pytest.param(f_fstring, "x.size:{x.ndim}d", "{x.size:{x.ndim}d} entries", "outside", id="f-string"),
    pytest.param(f_set_literal, "{1.0, 2.0}", None, "list or tuple", id="set-literal"),
    pytest.param(f_set_comprehension, "{v for v in [1, 2]}", None, "list", id="set-comprehension",
                 marks=()),
    pytest.param(f_match, "match x.ndim", None, "`if`", id="match",
                 marks=pytest.mark.skipif(f_match is None, reason="`match` needs Python >= 3.10")),
    pytest.param(f_attribute_assign, "HOLDER.value = x", None, "Assign to a name", id="attribute-assign",
                 marks=()),
    pytest.param(f_nested_subscript, "a[0][1] = x[0]", None, "tuple", id="nested-subscript",
                 marks=()),
]


@pytest.mark.parametrize("fn, needle, text, fix", SYNTAX_CASES)
def test_unsupported_syntax(fn, needle, text, fix):
    g = srcdiff.grad(fn)  # lazy: creating the transformation reads nothing
    with pytest.raises(UnsupportedSyntaxError) as info:
        g(X.copy())
    msg = str(info.value)
    assert_located(msg, fn, needle, text)
    assert fix in msg, "the message suggests no fix (%r):\n%s" % (fix, msg)
    assert_recovers(lambda: g(X.copy()), info.value)


@pytest.mark.parametrize("api", [srcdiff.grad, srcdiff.value_and_grad, srcdiff.vjp],
                         ids=["grad", "value_and_grad", "vjp"])
def test_syntax_errors_wait_for_the_first_call(api):
    transformed = api(f_try)  # must not raise
    with pytest.raises(UnsupportedSyntaxError) as info:
        transformed(X)
    assert_located(str(info.value), f_try, "try:")


def test_decorator_forms_wait_for_the_first_call():
    @srcdiff.grad
    def bare(x):
        del x
        return 0.0

    @srcdiff.value_and_grad(wrt="x")
    def with_options(x):
        del x
        return 0.0

    with pytest.raises(UnsupportedSyntaxError) as info:
        bare(X)
    assert_located(str(info.value), bare.__wrapped__, "del x")
    with pytest.raises(UnsupportedSyntaxError) as info:
        with_options(X)
    assert_located(str(info.value), with_options.__wrapped__, "del x")


def _helper_with_try(v):
    try:
        w = v * 2.0
    finally:
        pass
    return w


def calls_helper_with_try(x):
    y = _helper_with_try(x)
    return np.sum(y)


def test_unsupported_syntax_in_a_called_helper_names_the_helper():
    g = srcdiff.grad(calls_helper_with_try)
    with pytest.raises(UnsupportedSyntaxError) as info:
        g(X)
    assert_located(str(info.value), _helper_with_try, "try:")
    assert_recovers(lambda: g(X), info.value)


# ============================================== 3. functions without a rule


def f_percentile(x):
    y = np.percentile(x, 50.0)
    return y * 2.0


def f_cond(A):
    c = np.linalg.cond(A)
    return c


def f_hfft(x):
    y = np.fft.hfft(x)
    return np.sum(y)


@pytest.mark.parametrize("fn, arg, needle, name", [
    pytest.param(f_percentile, X, "y = np.percentile(x, 50.0)", "numpy.percentile", id="np.percentile"),
    pytest.param(f_cond, A, "c = np.linalg.cond(A)", "numpy.linalg.cond", id="np.linalg.cond"),
    pytest.param(f_hfft, X, "y = np.fft.hfft(x)", "numpy.fft.hfft", id="np.fft.hfft"),
])
def test_numpy_function_without_rule(fn, arg, needle, name):
    g = srcdiff.grad(fn)
    with pytest.raises(MissingRuleError) as info:
        g(arg)
    msg = str(info.value)
    assert_located(msg, fn, needle)
    assert name in msg  # spelled out, not just the `np.` in the source text
    assert "srcdiff.adjoint" in msg  # how to register a rule
    assert_recovers(lambda: g(arg), info.value)


def test_numpy_function_without_rule_is_fine_on_constants():
    def percentile_of_a_constant(x):
        c = np.percentile(np.array([3.0, 1.0, 2.0]), 50.0)
        return np.sum(x * c)
    np.testing.assert_allclose(srcdiff.grad(percentile_of_a_constant)(X), [2.0, 2.0, 2.0])


MASK = np.array([True, False, True])


def f_sum_where(x):
    return np.sum(x ** 2, where=MASK)


def _api_names(message):
    return sorted(set(re.findall(r"srcdiff(?:\.\w+)+", message)))


@pytest.mark.parametrize("fn", [f_percentile, f_sum_where], ids=["no-rule", "unhandled-argument"])
def test_missing_rule_advice_names_api_that_exists(fn):
    with pytest.raises(MissingRuleError) as info:
        srcdiff.grad(fn)(X)
    names = _api_names(str(info.value))
    assert names, "the message names no srcdiff API to register a rule with"
    for dotted in names:
        obj = srcdiff
        for part in dotted.split(".")[1:]:
            assert hasattr(obj, part), "the message suggests %s, which does not exist" % dotted
            obj = getattr(obj, part)
        assert callable(obj), dotted


def f_c_callable(x):
    y = operator.neg(x)
    return np.sum(y)


def test_c_callable_without_rule():
    g = srcdiff.grad(f_c_callable)
    with pytest.raises(MissingRuleError) as info:
        g(X)
    msg = str(info.value)
    assert_located(msg, f_c_callable, "y = operator.neg(x)")
    assert "neg" in msg and "no derivative rule" in msg
    assert "srcdiff.adjoint" in msg
    assert_recovers(lambda: g(X), info.value)


def _scale(v, s):
    return v * s


SCALE_BY_2 = functools.partial(_scale, s=2.0)


def f_partial_object(x):
    y = SCALE_BY_2(x)
    return np.sum(y)


def test_object_without_source_on_active_value():
    g = srcdiff.grad(f_partial_object)
    with pytest.raises((MissingRuleError, NonDifferentiableError)) as info:
        g(X)
    msg = str(info.value)
    assert_located(msg, f_partial_object, "y = SCALE_BY_2(x)")
    assert " at 0x" not in msg and "functools.functools" not in msg, msg
    assert_recovers(lambda: g(X), info.value)


W22 = np.array([[1.0, 2.0], [3.0, 4.0]])


def f_einsum_unknown_output_index(A):
    y = np.einsum("ij,jk->iq", A, A)
    return np.sum(y * W22)


def f_einsum_too_few_terms(A):
    y = np.einsum("ij->ji", A, A)
    return np.sum(y)


@pytest.mark.parametrize("fn, needle", [
    pytest.param(f_einsum_unknown_output_index, 'y = np.einsum("ij,jk->iq", A, A)', id="unknown-output-index"),
    pytest.param(f_einsum_too_few_terms, 'y = np.einsum("ij->ji", A, A)', id="too-few-terms"),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_einsum_malformed_subscripts_are_refused_at_transformation(fn, needle, mode):
    g = srcdiff.grad(fn, mode=mode)
    with pytest.raises((NonDifferentiableError, MissingRuleError)) as info:
        g(A)
    msg = str(info.value)
    assert "numpy.einsum" in msg
    assert "'ij,jk->ik'" in msg  # the fix shows well-formed subscripts
    assert_located(msg, fn, needle, "np.einsum(")
    assert_recovers(lambda: g(A), info.value)


def test_sum_with_where_is_refused():
    g = srcdiff.grad(f_sum_where)
    with pytest.raises(MissingRuleError) as info:
        g(X)
    msg = str(info.value)
    assert_located(msg, f_sum_where, "np.sum(x ** 2, where=MASK)")
    assert "numpy.sum" in msg and "`where`" in msg
    assert "without that argument" in msg
    assert_recovers(lambda: g(X), info.value)


def f_norm_fractional(x):
    return np.linalg.norm(x, ord=0.5)


def f_norm_nuclear(A):
    return np.linalg.norm(A, ord="nuc")


def test_norm_rule_cannot_honour_an_order():
    g = srcdiff.grad(f_norm_fractional)
    with pytest.raises(NonDifferentiableError) as info:
        g(X)
    msg = str(info.value)
    assert "numpy.linalg.norm" in msg and "ord=0.5" in msg
    assert "numpy.sqrt" in msg  # the fix
    assert_located(msg, f_norm_fractional, "np.linalg.norm(x, ord=")
    assert_recovers(lambda: g(X), info.value)


def test_matrix_norms_are_differentiated():
    """Nuclear and spectral norms of a matrix have gradients U V^T and u1 v1^T."""
    srcdiff.check_grad(f_norm_nuclear, A)
    u, _, vt = np.linalg.svd(A, full_matrices=False)
    np.testing.assert_allclose(srcdiff.grad(f_norm_nuclear)(A), u @ vt, atol=1e-12)


def test_norm_rule_error_leaves_norm_usable():
    """The supported orders still work after a refused one."""
    g = srcdiff.grad(f_norm_fractional)
    with pytest.raises(NonDifferentiableError):
        g(X)

    def f_norm_vector_2(x):
        return np.linalg.norm(x, ord=2)

    def f_norm_frobenius(A):
        return np.linalg.norm(A)
    np.testing.assert_allclose(srcdiff.grad(f_norm_vector_2)(X), X / np.linalg.norm(X))
    np.testing.assert_allclose(srcdiff.grad(f_norm_frobenius)(A), A / np.linalg.norm(A))


# ====================================================== 4. non-scalar output


def f_vector_out(x):
    return np.sin(x)


def f_matrix_out(x):
    return np.outer(x, x)


def f_tuple_out(x):
    return np.sum(x), np.sum(x ** 2)


@pytest.mark.parametrize("api", [srcdiff.grad, srcdiff.value_and_grad], ids=["grad", "value_and_grad"])
@pytest.mark.parametrize("fn, shape", [
    pytest.param(f_vector_out, (3,), id="vector"),
    pytest.param(f_matrix_out, (3, 3), id="matrix",
                 marks=()),
])
def test_grad_of_nonscalar_output_points_to_vjp(api, fn, shape):
    g = api(fn)
    with pytest.raises(NonDifferentiableError) as info:
        g(X)
    msg = str(info.value)
    assert fn.__name__ in msg
    assert str(shape) in msg
    assert "srcdiff.vjp" in msg
    assert_recovers(lambda: g(X), info.value)


def test_grad_of_tuple_output_points_to_vjp():
    g = srcdiff.grad(f_tuple_out)
    with pytest.raises(NonDifferentiableError) as info:
        g(X)
    msg = str(info.value)
    assert "f_tuple_out" in msg and "tuple" in msg and "srcdiff.vjp" in msg
    assert_recovers(lambda: g(X), info.value)


def test_vjp_pullback_rejects_cotangent_of_wrong_shape():
    value, pullback = srcdiff.vjp(f_vector_out)(X)  # the shape is only checked when pulling back
    for bad in (np.ones(4), 1.0, np.ones((3, 1))):
        with pytest.raises(ArgumentError) as info:
            pullback(bad)
        msg = str(info.value)
        assert "f_vector_out" in msg and "cotangent" in msg
        assert str(np.shape(bad)) in msg and "(3,)" in msg
    np.testing.assert_allclose(pullback(np.ones(3)), np.cos(X))  # the pullback still works
    np.testing.assert_allclose(srcdiff.grad(good)(X), 8.0 * X)


# ============================================================= 5. bad wrt


def two_args(x, y):
    return np.sum(x * y)


@pytest.mark.parametrize("wrt, words", [
    pytest.param(2, ["wrt=2", "out of range"], id="out-of-range"),
    pytest.param(-3, ["wrt=-3", "out of range"], id="negative-out-of-range"),
    pytest.param("z", ["wrt='z'", "not a parameter"], id="unknown-name"),
    pytest.param(True, ["wrt=True", "index", "name"], id="bool"),
    pytest.param(1.0, ["wrt=1.0", "index", "name"], id="float"),
    pytest.param((), ["wrt=()"], id="empty-tuple",
                 marks=()),
])
def test_bad_wrt_raises_when_grad_is_called(wrt, words):
    with pytest.raises(ArgumentError) as info:
        srcdiff.grad(two_args, wrt=wrt)  # at once, before any call
    assert isinstance(info.value, TypeError)
    msg = str(info.value)
    for word in words:
        assert word in msg, msg
    assert "two_args(x, y)" in msg, msg  # the function and the parameters to choose from
    np.testing.assert_allclose(srcdiff.grad(two_args, wrt=-1)(X, 2.0 * X), X)


@pytest.mark.parametrize("make", [
    pytest.param(lambda: srcdiff.value_and_grad(two_args, wrt=5), id="value_and_grad"),
    pytest.param(lambda: srcdiff.vjp(two_args, wrt="q"), id="vjp"),
    pytest.param(lambda: srcdiff.grad(wrt=(0, 7))(two_args), id="decorator"),
])
def test_bad_wrt_raises_at_once_in_every_api(make):
    with pytest.raises(ArgumentError) as info:
        make()
    assert "two_args(x, y)" in str(info.value)


# =================================================== 6. non-float inputs


def pair_product(xs):
    return np.sum(xs[0] * xs[1])


INT_ARRAY = np.array([1, 2, 3])


@pytest.mark.parametrize("fn, args, good_args, words", [
    pytest.param(two_args, (INT_ARRAY, X), (INT_ARRAY.astype(float), X),
                 ["`x`", "dtype %s" % INT_ARRAY.dtype, "x.astype(float)"], id="int-array"),
    pytest.param(two_args, (3, 2.0), (3.0, 2.0), ["`x`", "an int", "3.0"], id="python-int"),
    pytest.param(two_args, (True, 2.0), (1.0, 2.0), ["`x`", "a bool", "1.0"], id="bool"),
    pytest.param(pair_product, ([2.0, 3],), ([2.0, 3.0],), ["`xs[1]`", "an int", "3.0"], id="list-with-int"),
])
def test_non_float_input_is_refused(fn, args, good_args, words):
    g = srcdiff.grad(fn)
    with pytest.raises(ArgumentError) as info:
        g(*args)
    assert isinstance(info.value, TypeError)
    msg = str(info.value)
    assert fn.__name__ in msg
    for word in words:
        assert word in msg, msg
    with pytest.raises(ArgumentError) as again:
        g(*args)
    assert str(again.value) == msg
    expected = srcdiff.grad(fn)(*good_args)  # the same transformed function still works with floats
    result = g(*good_args)
    np.testing.assert_allclose(np.asarray(result, dtype=float), np.asarray(expected, dtype=float))


@pytest.mark.parametrize("api", [srcdiff.grad, srcdiff.value_and_grad], ids=["grad", "value_and_grad"])
@pytest.mark.parametrize("floats, bad, name", [
    pytest.param([2.0, 3.0], [2.0, 3], "xs[1]", id="int-in-list"),
    pytest.param([np.ones(2), np.ones(2)], [np.ones(2), np.array([1, 2])], "xs[1]", id="int-array-in-list"),
])
def test_non_float_in_list_is_refused_after_a_float_call(api, floats, bad, name):
    g = api(pair_product)
    g(floats)
    with pytest.raises(ArgumentError) as info:
        g(bad)
    assert "`%s`" % name in str(info.value)


# ========================================= 7. objects and discarded results


class Model:
    def __init__(self):
        self.w = np.array([0.5, -1.0, 2.0])

    def forward(self, x):
        return x * self.w

    def method(self, x):
        return x * self.w

    def __call__(self, x):
        return x * self.w


MODEL = Model()


def f_model_forward(x):
    y = MODEL.forward(x)
    return np.sum(y)


def f_obj_method(x, obj):
    y = obj.method(x)
    return np.sum(y)


def f_callable_object(x):
    y = MODEL(x)
    return np.sum(y)


def f_callable_parameter(x, obj):
    y = obj(x)
    return np.sum(y)


@pytest.mark.parametrize("fn, needle", [
    pytest.param(f_model_forward, "y = MODEL.forward(x)", id="global-model.forward"),
    pytest.param(f_obj_method, "y = obj.method(x)", id="param-obj.method",
                 marks=()),
    pytest.param(f_callable_object, "y = MODEL(x)", id="callable-instance",
                 marks=()),
    pytest.param(f_callable_parameter, "y = obj(x)", id="callable-parameter",
                 marks=()),
])
def test_method_or_callable_object_on_active_value(fn, needle):
    g = srcdiff.grad(fn)
    args = (X,) if len(inspect.signature(fn).parameters) == 1 else (X, MODEL)
    with pytest.raises((NonDifferentiableError, MissingRuleError)) as info:
        g(*args)
    msg = str(info.value)
    assert_located(msg, fn, needle)
    assert " at 0x" not in msg, msg
    assert "module-level function" in msg, "no fix suggested:\n%s" % msg
    assert_recovers(lambda: g(*args), info.value)


def _scale_first_in_place(v):
    v[0] = 100.0 * v[0]
    return v


def f_helper_statement(x):
    y = x * 2.0
    _scale_first_in_place(y)
    return np.sum(y)


def test_user_function_called_for_its_effect_on_active_value():
    g = srcdiff.grad(f_helper_statement)
    try:
        got = g(X.copy())
    except NonDifferentiableError as exc:
        msg = str(exc)
        assert_located(msg, f_helper_statement, "_scale_first_in_place(y)")
        assert "assign" in msg  # fix: return the new value and assign it
        assert_recovers(lambda: g(X.copy()), exc)
    else:
        pytest.fail("silently returned %r; the true gradient is %r" % (got, np.array([200.0, 2.0, 2.0])))


def _pure_double(v):
    return v * 2.0


def f_pure_helper_statement(x):
    _pure_double(x)
    return np.sum(x ** 2)


def test_discarded_result_of_pure_helper_never_corrupts_the_gradient():
    """Refusing (as for any discarded call on an active value) or ignoring the call are both right."""
    g = srcdiff.grad(f_pure_helper_statement)
    try:
        got = g(X.copy())
    except NonDifferentiableError as exc:
        assert_located(str(exc), f_pure_helper_statement, "_pure_double(x)")
    else:
        np.testing.assert_allclose(got, 2.0 * X)


# ================================= 8. output independent of the input


def f_constant(x):
    return 3.0


def f_ignores_first(x, y):
    return np.sum(y ** 2)


def f_shape_only(x):
    return float(x.shape[0])


@pytest.mark.parametrize("fn, args", [
    pytest.param(f_constant, (X,), id="constant-of-array"),
    pytest.param(f_constant, (2.5,), id="constant-of-float"),
    pytest.param(f_constant, (np.ones((2, 2), dtype=np.float32),), id="constant-of-float32-matrix"),
    pytest.param(f_constant, ([1.0, 2.0],), id="constant-of-list"),
    pytest.param(f_ignores_first, (X, 2.0 * X), id="unused-argument"),
    pytest.param(f_shape_only, (X,), id="shape-only"),
])
def test_output_independent_of_input_gives_zeros(fn, args):
    x = args[0]
    for g in (srcdiff.grad(fn)(*args), srcdiff.value_and_grad(fn)(*args)[1],
              srcdiff.vjp(fn)(*args)[1](1.0)):
        assert type(g) is type(x)
        if isinstance(x, np.ndarray):
            assert g.shape == x.shape and g.dtype == x.dtype
            assert not np.any(g)
        elif isinstance(x, list):
            assert g == [0.0] * len(x) and all(type(v) is float for v in g)
        else:
            assert g == 0.0


# ====================================================== 9. NaN and inf


def f_sum_squares(x):
    return np.sum(x ** 2)


def f_sum_exp(x):
    return np.sum(np.exp(x))


@pytest.mark.parametrize("fn, derivative", [(f_sum_squares, lambda x: 2.0 * x), (f_sum_exp, np.exp)],
                         ids=["x**2", "exp"])
@pytest.mark.parametrize("x", [
    pytest.param(np.array([1.0, np.nan, 3.0]), id="nan"),
    pytest.param(np.array([1.0, np.inf, -np.inf]), id="inf"),
    pytest.param(float("nan"), id="scalar-nan"),
])
def test_nan_and_inf_propagate_like_numpy(fn, derivative, x):
    g = srcdiff.grad(fn)(x)
    expected = derivative(x)
    np.testing.assert_array_equal(np.asarray(g), np.asarray(expected))  # NaN equals NaN here
    assert type(g) is type(x)
    value, g2 = srcdiff.value_and_grad(fn)(x)
    np.testing.assert_array_equal(np.asarray(value), np.asarray(fn(x)))
    np.testing.assert_array_equal(np.asarray(g2), np.asarray(expected))


# ============================================== Python operators on lists and tuples


def squares_a_list(x):
    return np.sum(x ** 2)


def joins_lists(xs, ys):
    zs = xs + ys
    return np.sum(np.array(zs) * np.arange(4.0))


def shape_arithmetic(x, shape):
    return np.sum(np.reshape(x, shape + (1,)) ** 2)


@pytest.mark.parametrize("api", ["grad", "jvp"])
def test_arithmetic_on_a_list_argument_is_refused(api):
    with pytest.raises(NonDifferentiableError) as info:
        if api == "grad":
            srcdiff.grad(squares_a_list)([1.0, 2.0])  # x ** 2 raises TypeError in Python itself
        else:
            srcdiff.jvp(squares_a_list, ([1.0, 2.0],), [1.0, 1.0])
    assert_located(str(info.value), squares_a_list, "return np.sum(x ** 2)")
    assert "np.asarray(x)" in str(info.value)


def test_joining_lists_with_plus_is_refused():
    with pytest.raises(NonDifferentiableError, match="`\\+` joins lists") as info:
        srcdiff.grad(joins_lists)([1.0, 2.0], [3.0, 4.0])
    assert_located(str(info.value), joins_lists, "zs = xs + ys")


def test_operators_on_constant_tuples_are_fine():
    np.testing.assert_allclose(srcdiff.grad(shape_arithmetic)(np.ones(3), (3,)), [2.0, 2.0, 2.0])
