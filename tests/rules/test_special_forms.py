"""Issue 15, items 6 and 9: np.r_/np.c_, unknown NumPy objects, einsum forms, deep code, complex mixes.

Every gradient is checked against central finite differences, in reverse (grad) and forward (jvp)."""
import numpy as np
import pytest

import srcdiff


def fd_grad(f, x, eps=1e-6):
    """Central finite differences of a real scalar function at a float or float array ``x``."""
    if isinstance(x, float):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def check_both(f, x, seed=0):
    """grad and jvp of ``f`` at ``x`` against finite differences."""
    expected = fd_grad(f, x)
    np.testing.assert_allclose(srcdiff.grad(f)(x), expected, rtol=1e-6, atol=1e-8)
    direction = 1.0 if isinstance(x, float) else np.random.default_rng(seed).normal(size=np.shape(x))
    value, tangent = srcdiff.jvp(f, (x,), direction)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(tangent, np.sum(expected * direction), rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------ Python floats times complex values
def real_of_float_times_complex(x):
    z = 1 + 1j
    return np.real(x * z)


def abs_of_float_times_complex(x):
    z = np.array([1 + 2j, -0.5 + 1j])
    return np.sum(np.abs(x * z) ** 2)


@pytest.mark.parametrize("f", [real_of_float_times_complex, abs_of_float_times_complex])
@pytest.mark.parametrize("kind", [float, np.float64])
def test_python_float_mixed_with_complex_has_a_real_gradient(f, kind):
    x = kind(2.0)
    g = srcdiff.grad(f)(x)
    assert isinstance(g, kind)
    np.testing.assert_allclose(g, fd_grad(f, 2.0), rtol=1e-6)
    np.testing.assert_allclose(srcdiff.value_and_grad(f)(x)[1], fd_grad(f, 2.0), rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(f, (x,), 1.0)[1], fd_grad(f, 2.0), rtol=1e-6)
    check_both(f, 2.0)


# ------------------------------------------------------------------------------- einsum forms
M3 = np.random.default_rng(3).normal(size=(3, 3))
M234 = np.random.default_rng(4).normal(size=(2, 3, 4))


def einsum_sublist_transpose(a):
    return np.sum(np.einsum(a, [0, 1], [1, 0]) * M3)


def einsum_sublist_product(a):
    return np.sum(np.einsum(a, [0, 1], a, [1, 2], [0, 2]) * M3)


def einsum_sublist_implicit_ellipsis(a):
    return np.sum(np.einsum(a, [Ellipsis, 0]) ** 2)


def einsum_batched_diagonal(a):
    return np.sum(np.einsum("bii->b", a) ** 2)


def einsum_diagonal(a):
    return np.sum(np.einsum("ii->i", a[0]) ** 3)


def einsum_trace(a):
    return np.einsum("ii", a[1]) ** 2


def einsum_diagonal_summed(a):
    return np.sum(np.einsum("iij->j", a) ** 2)


def einsum_ellipsis(a):
    return np.sum(np.einsum("...ij,...jk->...ik", a, a) * M3)


def einsum_ellipsis_broadcast(a):
    return np.sum(np.einsum("...ij,...jk->...ik", a[:1], a) ** 2)


def einsum_implicit(a):
    return np.sum(np.einsum("ij,jk", a[0], a[1]) * M3)


def einsum_implicit_transpose(a):
    return np.sum(np.einsum("ba", a[0]) * M3)


def einsum_diagonal_with_another_operand(a):
    return np.sum(np.einsum("ii,ij->j", a[0], a[1]) ** 2)


def einsum_labels_broadcast(a):
    return np.sum(np.einsum("ij,ij->ij", a[0, :1], a[1]) ** 2)


@pytest.mark.parametrize("f, shape", [
    (einsum_sublist_transpose, (3, 3)), (einsum_sublist_product, (3, 3)),
    (einsum_sublist_implicit_ellipsis, (2, 3)), (einsum_batched_diagonal, (2, 3, 3)),
    (einsum_diagonal, (2, 3, 3)), (einsum_trace, (2, 3, 3)), (einsum_diagonal_summed, (3, 3, 2)),
    (einsum_ellipsis, (2, 3, 3)), (einsum_ellipsis_broadcast, (2, 3, 3)), (einsum_implicit, (2, 3, 3)),
    (einsum_implicit_transpose, (2, 3, 3)), (einsum_diagonal_with_another_operand, (2, 3, 3)),
    (einsum_labels_broadcast, (2, 3, 3)),
])
def test_einsum_call_forms_are_differentiated_in_both_modes(f, shape):
    x = np.random.default_rng(sum(shape)).normal(size=shape)
    check_both(f, x)


def test_einsum_sublist_form_with_two_differentiated_operands():
    a, b = M3, np.random.default_rng(5).normal(size=(3, 4))

    def f(a, b):
        return np.sum(np.einsum(a, [0, 1], b, [1, 2], [0, 2]) ** 2)
    ga, gb = srcdiff.grad(f, wrt=(0, 1))(a, b)
    np.testing.assert_allclose(ga, fd_grad(lambda v: f(v, b), a), rtol=1e-6)
    np.testing.assert_allclose(gb, fd_grad(lambda v: f(a, v), b), rtol=1e-6)
    ta, tb = M3.T, np.ones((3, 4))
    tangent = srcdiff.jvp(f, (a, b), (ta, tb), wrt=(0, 1))[1]
    np.testing.assert_allclose(tangent, np.sum(ga * ta) + np.sum(gb * tb), rtol=1e-9)


# --------------------------------------------------------------------- deep nesting, deep recursion
def _module(tmp_path, name, source):
    """Import ``source`` written to a file (srcdiff reads the file's text)."""
    import importlib.util
    path = tmp_path / (name + ".py")
    path.write_text("import numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DEEP_SOURCES = {
    "sum300": "def f(x):\n    return " + " + ".join(["x * %d.0" % (k % 7) for k in range(300)]) + "\n",
    "calls200": "def f(x):\n    return " + "np.sin(" * 200 + "x" + ")" * 200 + "\n",
    "negations990": "def f(x):\n    y = x * 1.5\n    return " + "-" * 990 + "np.sum(y ** 2)\n",
}


@pytest.mark.parametrize("name", sorted(DEEP_SOURCES))
def test_deeply_nested_expressions_are_differentiated(tmp_path, name):
    f = _module(tmp_path, "deep_" + name, DEEP_SOURCES[name]).f
    x = 0.7 if name != "negations990" else np.array([0.3, -1.2])
    check_both(f, x)
    assert len(srcdiff.grad(f).stages(x)) > 3  # the passes, run alone, get the same room


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_nesting_beyond_the_limit_is_refused_naming_the_line(tmp_path, mode):
    from srcdiff.backend import deep
    terms = deep.MAX_NESTING + 50
    f = _module(tmp_path, "too_deep_" + mode, "def f(x):\n    y = x * 2.0\n    return " + " + ".join(["y"] * terms) + "\n").f
    assert f(1.0) == 2.0 * terms  # Python runs it
    with pytest.raises(srcdiff.TooDeepError) as info:
        srcdiff.grad(f, mode=mode)(1.0)
    msg = str(info.value)
    assert "too_deep_%s.py:6:" % mode in msg and "return y + y + y" in msg, msg
    assert "nested %d deep" % (terms + 3) in msg and "Split it into statements" in msg, msg
    assert isinstance(info.value, srcdiff.SrcdiffError)
    np.testing.assert_allclose(srcdiff.grad(lambda x: x * x)(3.0), 6.0)  # nothing left behind


def rec(x, n):
    if n == 0:
        return x
    return np.sin(rec(x, n - 1))


def calls_rec(x):
    return rec(x, 600) * 2.0


def _depth_reached(f, top=990):
    """How deep the primal ``f(n)`` runs under the current recursion limit (near ``top``)."""
    for n in range(top, 0, -5):
        try:
            f(n)
            return n
        except RecursionError:
            continue
    return 0


def test_gradient_of_a_recursive_helper_at_depth_600():
    check_both(calls_rec, 0.5)


def test_gradient_of_recursion_runs_as_deep_as_the_function():
    deepest = _depth_reached(lambda n: rec(0.5, n))
    assert deepest > 900
    expected = fd_grad(lambda v: rec(v, deepest), 0.5)
    np.testing.assert_allclose(srcdiff.grad(rec)(0.5, deepest), expected, rtol=1e-5)
    np.testing.assert_allclose(srcdiff.grad(rec, mode="forward")(0.5, deepest), expected, rtol=1e-5)
    np.testing.assert_allclose(srcdiff.jvp(rec, (0.5, deepest), 1.0)[1], expected, rtol=1e-5)
    np.testing.assert_allclose(srcdiff.vjp(rec)(0.5, deepest)[1](1.0), expected, rtol=1e-5)
    np.testing.assert_allclose(srcdiff.value_and_grad(rec)(0.5, deepest)[1], expected, rtol=1e-5)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_recursion_beyond_the_headroom_is_a_clear_error(mode):
    import sys
    limit = sys.getrecursionlimit()
    with pytest.raises(srcdiff.TooDeepError) as info:
        srcdiff.grad(rec, mode=mode)(0.5, 10 * limit)
    msg = str(info.value)
    assert "test_special_forms.py:" in msg and "def rec(" in msg and "sys.setrecursionlimit" in msg, msg
    assert sys.getrecursionlimit() == limit  # restored
    np.testing.assert_allclose(srcdiff.grad(rec, mode=mode)(0.5, 3), fd_grad(lambda v: rec(v, 3), 0.5), rtol=1e-6)


# ------------------------------------------------------------------------------- np.r_ and np.c_
V6 = np.random.default_rng(6).normal(size=12)


def r_twice(x):
    return np.sum(np.r_[x, x] ** 2)


def c_twice(x):
    return np.sum(np.c_[x, x] ** 2 * V6[:6].reshape(3, 2))


def r_mixed_items(x):
    return np.sum(np.r_[x, 0:3, [1.0, 2.0], 2.0 * x[0], x[1]] ** 2 * V6[:10])


def r_directive_rows(x):
    return np.sum(np.r_["0,2", x, x ** 2] * V6[:6].reshape(2, 3))


def r_directive_last_axis(x):
    return np.sum(np.r_["-1", x[:2], x] ** 2 * V6[:5])


def r_directive_transposed(x):
    return np.sum(np.r_["1,2,0", x, x ** 3] * V6[:6].reshape(3, 2))


def c_with_a_range(x):
    return np.sum(np.c_[x, 0:3] ** 3)


def r_single_item(x):
    y = np.r_[x]
    return np.sum(y * V6[:3])


@pytest.mark.parametrize("f", [r_twice, c_twice, r_mixed_items, r_directive_rows, r_directive_last_axis,
                               r_directive_transposed, c_with_a_range, r_single_item])
def test_r_and_c_are_differentiated_in_both_modes(f):
    check_both(f, np.array([1.0, -2.0, 0.5]))


def r_matrix_directive(x):
    y = np.r_["r", x, x]
    return np.sum(y)


def index_expression_of_active_value(x):
    y = np.s_[x]
    return np.sum(y * 2.0)


def grid_with_active_bounds(x):
    g = np.mgrid[0.0:x[0]:3j]
    return np.sum(g)


def grid_of_constants_times_x(x):
    g = np.mgrid[0:3]
    return np.sum(g * x)


def strided_view(x):
    y = np.lib.stride_tricks.as_strided(x, shape=(2,), strides=(8,))
    return np.sum(y)


def vectorized(x):
    y = np.vectorize(np.sin)(x)
    return np.sum(y)


def from_pyfunc(x):
    y = np.frompyfunc(np.sin, 1, 1)(x).astype(float)
    return np.sum(y)


def r_bound_to_a_name(x):
    r = np.r_
    return np.sum(r[x, x] ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, needle, words", [
    (r_bound_to_a_name, "r = np.r_", "only where it is indexed"),
    (r_matrix_directive, 'y = np.r_["r", x, x]', "np.concatenate"),
    (index_expression_of_active_value, "y = np.s_[x]", "np.s_[...]"),
    (grid_with_active_bounds, "g = np.mgrid[0.0:x[0]:3j]", "np.mgrid[...]"),
    (strided_view, "y = np.lib.stride_tricks.as_strided(x, shape=(2,), strides=(8,))", "as_strided"),
    (vectorized, "y = np.vectorize(np.sin)(x)", "srcdiff cannot tell which function"),
    (from_pyfunc, "y = np.frompyfunc(np.sin, 1, 1)(x).astype(float)", "srcdiff cannot tell which function"),
])
def test_unknown_numpy_objects_on_active_values_are_refused(f, needle, words, mode):
    import inspect
    with pytest.raises(srcdiff.SrcdiffError) as info:
        srcdiff.grad(f, mode=mode)(np.array([1.0, -2.0, 0.5]))
    msg = str(info.value)
    lines, first = inspect.getsourcelines(f)
    line = first + next(i for i, text in enumerate(lines) if needle in text)
    assert "test_special_forms.py:%d:" % line in msg and needle in msg and words in msg, msg


def test_numpy_constants_indexed_by_constants_stay_fine():
    check_both(grid_of_constants_times_x, np.array([1.0, -2.0, 0.5]))


def test_running_out_of_stack_even_on_the_large_stack_is_a_too_deep_error():
    import sys
    from srcdiff.backend import deep

    def endless(n):
        return endless(n + 1)
    limit = sys.getrecursionlimit()
    with pytest.raises(srcdiff.TooDeepError) as info:
        deep.rerun_on_large_stack(lambda: endless(0), endless.__code__)
    assert "test_special_forms.py:%d:" % endless.__code__.co_firstlineno in str(info.value)
    assert "Split long expressions into statements" in str(info.value)
    assert sys.getrecursionlimit() == limit
    assert deep.rerun_on_large_stack(lambda: 42) == 42


def _dot_of_lists(x):
    return np.dot([x[0], x[1]], [x[1], x[2]])


def _inner_and_outer_of_lists(x):
    return np.inner([x[0], x[1]], (x[1], x[2])) + np.sum(np.outer([x[0], 2.0], x))


@pytest.mark.parametrize("fun", [_dot_of_lists, _inner_and_outer_of_lists], ids=["dot", "inner-outer"])
def test_products_of_lists_of_entries_in_both_modes(fun):
    """``np.dot([x0, x1], [x1, x2])``: NumPy reads the lists as arrays; so must the adjoints."""
    x = np.array([1.0, 2.0, 3.0])
    g = srcdiff.grad(fun)(x)
    eps = 1e-6
    fd = np.array([(fun(x + eps * e) - fun(x - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-9)
    v = np.array([0.3, -1.0, 0.5])
    np.testing.assert_allclose(srcdiff.jvp(fun, (x,), v)[1], fd @ v, rtol=1e-7)
