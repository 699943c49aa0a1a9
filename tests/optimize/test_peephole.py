"""Shared slices and merged constant factors in generated code (peephole.py): fewer passes over
arrays, the same derivatives."""
import numpy as np
import pytest

import srcdiff

RNG = np.random.default_rng(5)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rebinds_between(x):
    a = x[1:]
    x = x * 2.0          # x[1:] below is a slice of another array
    b = x[1:]
    return np.sum(a * b * b)


def writes_between(x):
    y = x * 1.5
    t = -y
    y[0] = 5.0           # t was computed before the write
    return np.sum(2.0 * t * y)


def list_slices(xs):
    a = xs[1:]
    b = xs[1:]
    return np.sum(np.stack(a) * np.stack(b))


def test_rosenbrock_tangent_reads_each_slice_once_and_merges_constants():
    source = srcdiff.forward(rosenbrock).source_for(np.ones(6))
    assert source.count("= x[:-1]") == 1 and source.count("= t_x[:-1]") == 1
    assert "200.0 * " in source and "-2.0 * " in source  # 100 * (2 * ...) and 2 * -(...) merged


@pytest.mark.parametrize("fun, args", [
    (rosenbrock, (RNG.uniform(-2, 2, 6),)),
    (rebinds_between, (RNG.standard_normal(5),)),
    (writes_between, (RNG.standard_normal(4),)),
])
def test_derivatives_are_unchanged(fun, args):
    srcdiff.check_grad(fun, *args)
    t = RNG.standard_normal(args[0].shape)
    _, jv = srcdiff.jvp(fun, args, t)
    np.testing.assert_allclose(jv, np.vdot(srcdiff.grad(fun)(*args), t), rtol=1e-10)


def test_slices_of_a_list_are_not_shared():
    xs = [RNG.standard_normal(3) for _ in range(3)]
    g = srcdiff.grad(list_slices)(xs)
    np.testing.assert_allclose(g[0], 0.0)
    np.testing.assert_allclose(g[1], 2 * xs[1])
    np.testing.assert_allclose(g[2], 2 * xs[2])


def matvec(W, x, c):
    return np.sum(np.tanh(W @ x + c))


def vecmat(x, W):
    return np.sum(np.sin(x @ W))


def summed_product(X, w):
    return np.sum(X @ w)          # the adjoint of X @ w is a number standing for ones


def keepdims_broadcast(x, y):
    return np.sum(np.exp(x + y) * y)   # x of shape (3, 1): its adjoint is summed along axis 1


def batched(A, B):
    return np.sum(np.tanh(A @ B))      # stacks of matrices: the kernels handle them


def attention(Wq, Wk, X):
    Q, K = X @ Wq, X @ Wk
    s = Q @ K.T / np.sqrt(Q.shape[1])   # a number from a shape: the scores keep their shape
    a = np.exp(s - s.max(axis=-1, keepdims=True))
    return np.sum((a / a.sum(axis=-1, keepdims=True)) ** 2)


def batchnorm(W, gamma, X):
    h = X @ W
    mu = h.mean(axis=0, keepdims=True)
    var = ((h - mu) ** 2).mean(axis=0, keepdims=True)
    out = np.tanh(gamma * (h - mu) / np.sqrt(var + 1e-5))
    return np.mean(out.sum(axis=1) ** 2) / X.shape[0]


WRITTEN_OUT = [
    (matvec, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal(3)), (0, 1, 2)),
    (vecmat, lambda: (RNG.standard_normal(3), RNG.standard_normal((3, 4))), (0, 1)),
    (summed_product, lambda: (RNG.standard_normal((5, 3)), RNG.standard_normal(3)), (0, 1)),
    (keepdims_broadcast, lambda: (RNG.standard_normal((3, 1)), RNG.standard_normal((3, 4))), (0, 1)),
    (batched, lambda: (RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4, 2))), (0, 1)),
    (attention, lambda: (RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2)), RNG.standard_normal((5, 3))), (0, 1)),
    (batchnorm, lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal(4), RNG.standard_normal((6, 3))), (0, 1)),
]


@pytest.mark.parametrize("fun, make, wrt", WRITTEN_OUT, ids=[c[0].__name__ for c in WRITTEN_OUT])
def test_helpers_written_out_for_known_shapes(fun, make, wrt):
    """Gradients, jvp and Hessian-vector products through code where unbroadcast and the matmul
    kernels are written out as sums and products of the known shapes."""
    args = make()
    srcdiff.check_grad(fun, *args, wrt=wrt)
    grads = srcdiff.grad(fun, wrt=wrt)(*args)
    tangents = tuple(RNG.standard_normal(np.shape(args[i])) for i in wrt)
    _, jv = srcdiff.jvp(fun, args, tangents, wrt=wrt)
    np.testing.assert_allclose(jv, sum(np.vdot(g, t) for g, t in zip(grads, tangents)), rtol=1e-10)
    v = tangents[0]
    hv = srcdiff.hvp(fun, wrt=wrt[0])(*args, v)
    grad0 = srcdiff.grad(fun, wrt=wrt[0])
    eps = 1e-6
    shifted = [list(args), list(args)]
    shifted[0][wrt[0]] = args[wrt[0]] + eps * v
    shifted[1][wrt[0]] = args[wrt[0]] - eps * v
    fd = (grad0(*shifted[0]) - grad0(*shifted[1])) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-7)


def test_matvec_gradient_reads_like_backprop():
    source = srcdiff.grad(matvec, wrt=(0, 1)).source_for(*WRITTEN_OUT[0][1]())
    assert "np.outer(" in source and " @ W" in source and "matmul_" not in source


def row_normalized(x, y):
    return np.sum(y * np.log(x / np.sum(x, axis=1, keepdims=True)))   # the sum's adjoint is expanded


def expanded_into_a_product(x, W):
    return np.sum((x / np.sum(x, axis=1, keepdims=True)) @ W)   # the expanded adjoint feeds a matmul


@pytest.mark.parametrize("fun, make", [
    (row_normalized, lambda: (RNG.uniform(0.5, 2.0, (4, 3)), RNG.standard_normal((4, 3)))),
    (expanded_into_a_product, lambda: (RNG.uniform(0.5, 2.0, (4, 3)), RNG.standard_normal((3, 2)))),
])
def test_row_sums_written_out_for_known_shapes(fun, make):
    """A keepdims sum's adjoint needs no ``expand`` where elementwise operators broadcast it, and
    an adjoint summed back to a ``(4, 1)`` array is ``g.sum(axis=1, keepdims=True)``."""
    args = make()
    srcdiff.check_grad(fun, *args, wrt=(0, 1))
    source = srcdiff.grad(fun, wrt=(0, 1)).source_for(*args)
    assert "unbroadcast(" not in source and ".sum(axis=1, keepdims=True)" in source, source
    t = RNG.standard_normal(args[0].shape)
    _, jv = srcdiff.jvp(fun, args, t)
    np.testing.assert_allclose(jv, np.vdot(srcdiff.grad(fun)(*args), t), rtol=1e-10)


def test_expand_dropped_only_where_operators_broadcast():
    dropped = srcdiff.grad(row_normalized).source_for(*(RNG.uniform(0.5, 2.0, (4, 3)),) * 2)
    kept = srcdiff.grad(expanded_into_a_product).source_for(RNG.uniform(0.5, 2.0, (4, 3)), np.ones((3, 2)))
    assert "expand(" not in dropped, dropped
    assert "expand(" in kept, kept   # ``@`` does not broadcast its operand to the full shape


def _fold(text):
    from srcdiff import ir
    from srcdiff.optimize import peephole
    from srcdiff.front import syntax
    body = [ir.Assign([ir.Name(t.strip())], syntax.parse_expression(v.strip())) for t, v in
            (line.split("=", 1) for line in text.strip().splitlines())]
    return "\n".join(syntax.unparse(s).strip() for s in peephole.fold_negations(body, {"n"}))


@pytest.mark.parametrize("before, after", [
    ("n = -a\ny = b + n * c", "y = b - a * c"),
    ("n = -a\ny = n * c + b", "y = b - a * c"),
    ("n = -a\ny = b - n * c", "y = b + a * c"),
    ("n = -a\ny = b - 2.0 * n", "y = b + 2.0 * a"),
    ("n = -a\ny = n - b", "n = -a\ny = n - b"),                       # nothing saved
    ("n = -a\ny = b + 2.0 * n * 3.0", "n = -a\ny = b + 2.0 * n * 3.0"),  # two constants: no new rounding
    ("n = -a\nz = a * a\ny = b + n * c", "n = -a\nz = a * a\ny = b + n * c"),  # not the next statement
    ("n = -a\ny = b + n * n", "n = -a\ny = b + n * n"),               # read twice
    ("m = -a\ny = b + m * c", "m = -a\ny = b + m * c"),               # not a temporary
])
def test_negations_folded_into_sums(before, after):
    assert _fold(before) == after


def reductions(x, xs, s):
    a = np.sum(x * s, axis=0, keepdims=True) + np.max(x, axis=1, keepdims=True)
    return np.mean(a) + np.sum(xs) * np.prod(x) + np.min(np.sum(xs, axis=0))


def test_reductions_of_arrays_become_methods():
    """``np.sum(a, axis=0)`` of an array is ``a.sum(axis=0)`` (NumPy's own method, bit for bit the
    same); a list stays an argument of ``np.sum``."""
    x, xs = RNG.uniform(0.5, 1.5, (3, 4)), [RNG.standard_normal(4) for _ in range(2)]
    srcdiff.check_grad(reductions, x, xs, 1.5, wrt=(0, 1))
    source = srcdiff.grad(reductions, wrt=(0, 1)).source_for(x, xs, 1.5)
    assert "x.max(axis=1, keepdims=True)" in source and "x.prod()" in source, source
    assert "np.sum(xs)" in source, source
    assert "broadcast_count" not in source, source   # how often a (1, 4) row was broadcast: a number
    value, _ = srcdiff.value_and_grad(reductions, wrt=(0, 1))(x, xs, 1.5)
    assert value == reductions(x, xs, 1.5)  # the same reductions: the same bits


def test_a_slice_inside_an_expression_reads_the_view_taken():
    source = srcdiff.value_and_grad(rosenbrock).source_for(np.ones(6))
    assert "t2 = x[:-1]\n" in source and "= 1.0 - t2\n" in source, source   # ``1 - x[:-1]`` reads t2
    assert "(t6 + t8 ** 2).sum()" in source, source   # the method of an expression known to be an array


@pytest.mark.parametrize("fun, make, wrt", WRITTEN_OUT[-2:], ids=["attention", "batchnorm"])
def test_models_read_like_backprop(fun, make, wrt):
    """With the shapes known (a number taken from ``x.shape`` included), no helper is left that
    decides shapes at run time: means' adjoints are divided by the count, expanded sums broadcast
    by the operators that read them, and the output is known to be a number."""
    source = srcdiff.value_and_grad(fun, wrt=wrt).source_for(*make())
    for helper in ("unbroadcast(", "expand(", "expand_scaled(", "matmul_lhs(", "matmul_rhs(", "require_scalar("):
        assert helper not in source, source


def count_times_half(Y, c):
    return np.sum(np.sum(c) * 0.5 + Y)   # Y of shape (2, 1): each number reached 2 entries, 2 * 0.5 == 1


def test_constant_factors_whose_product_is_one():
    """A broadcast count written out as a number, times a constant, can merge into exactly 1
    (found by comparing specialized code with code for any shape; it used to crash)."""
    for shape in [(2, 1), (4,), (2, 2), (3,)]:
        args = (RNG.standard_normal(shape), RNG.standard_normal(3))
        srcdiff.check_grad(count_times_half, *args, wrt=(0, 1))


def _floating(names):
    """The predicate the rewrites take, for code where ``names`` hold floats."""
    from srcdiff.analysis.floats import is_floating
    return lambda e: is_floating(e, names, {}, lambda f: None)


def _merged(lines):
    """``merge_slice_writes`` on a function body, with ``zeros_like(...)`` as the fresh allocation."""
    import textwrap
    from srcdiff import ir
    from srcdiff.optimize import peephole
    from srcdiff.front import syntax
    text = "def f(x):\n" + textwrap.indent(lines, "    ")
    fn = syntax.to_ir(syntax.function_defs(syntax.parse_module(text))[0][2], text)
    body = peephole.merge_slice_writes(
        fn.body, lambda e: isinstance(e, ir.Call) and syntax.unparse(e.func) == "zeros_like",
        lambda c: syntax.unparse(c.func) != "mutate", _floating({"a", "b", "c", "e"}))
    return "\n".join(syntax.unparse(s).strip() for s in body)


MERGED = "d = zeros_like(x)\nb = c * 2.0\nd[:-1] = a + b\nreturn d"


@pytest.mark.parametrize("before, after", [
    ("d = zeros_like(x)\nd[:-1] = a\nb = c * 2.0\nd[:-1] += b\nreturn d", MERGED),
    ("d = zeros_like(x)\nd[1:] += e\nd[:-1] = a\nb = c * 2.0\nd[:-1] += b\nreturn d",   # earlier writes stay
     "d = zeros_like(x)\nd[1:] += e\nb = c * 2.0\nd[:-1] = a + b\nreturn d"),
    ("d = zeros_like(x)\nd[0, 1:] = a\nd[0, 1:] += b\nd[0, 1:] -= c\nreturn d",          # chains merge
     "d = zeros_like(x)\nd[0, 1:] = a + b - c\nreturn d"),
])
def test_writes_into_one_slice_merged(before, after):
    assert _merged(before) == after


@pytest.mark.parametrize("lines", [
    "d = x\nd[:-1] = a\nd[:-1] += b\nreturn d",                          # not a new array: x may be read
    "d = zeros_like(x)\nv = d[:-1]\nd[:-1] = a\nd[:-1] += b\nreturn v",  # a view of d exists
    "d = zeros_like(x)\nd[:-1] = a\ny = d[0]\nd[:-1] += b\nreturn y",    # d read in between
    "d = zeros_like(x)\nd[:-1] = a\na = c * 2.0\nd[:-1] += b\nreturn d", # a rebound in between
    "d = zeros_like(x)\nd[:-1] = a\na[0] = 1.0\nd[:-1] += b\nreturn d",  # a written in between
    "d = zeros_like(x)\nd[:-1] = a\ny = mutate(a)\nd[:-1] += b\nreturn d",  # a call that may write into a
    "d = zeros_like(x)\nd[:-1] = a\nd[1:] += b\nreturn d",              # another slice
    "d = zeros_like(x)\nd[:i] = a\nd[:i] += b\nreturn d",                # an index known only at run time
    "d = zeros_like(x)\nd[:-1] = a\nd[:-1] += d[1:]\nreturn d",          # the value reads d
    "d = zeros_like(x)\nd[:-1] = a\nd[:-1] *= b\nreturn d",              # not a sum
    "d = zeros_like(x)\nd[:-1] = m\nd[:-1] += k\nreturn d",              # maybe masks: m + k is an or
    "d = zeros_like(x)\nd[:-1] = a\nd[1:] += c\nd[:-1] += b\nreturn d",  # c added to entries of both
])
def test_writes_into_one_slice_kept_apart(lines):
    assert _merged(lines) == lines


def smooth(x):
    return np.sum((x[1:] - x[:-1]) ** 2 + 0.5 * x[:-1] ** 2)


def test_slice_gradients_written_once():
    """Each slice of ``x`` read twice or more gets its gradient in one write (``d_x[:-1] = a + b``),
    not in a write and then an update of the same entries."""
    x = RNG.standard_normal(7)
    for fun in (rosenbrock, smooth):
        srcdiff.check_grad(fun, x)
        source = srcdiff.grad(fun).source_for(x)
        assert "d_x[:-1] += " not in source and "d_x[:-1] -= " not in source, source
        assert source.count("d_x[:-1] = ") == 1, source


def shapes_and_floats(x, n):
    k = x.shape[0] - 1               # an integer from a shape: stays an integer index
    y = x[:k] * 3 + 1
    m = n * 2                        # an integer argument times an integer
    z = y[:m] / 2 - 4 * y[:m] ** 2
    return np.sum(z) + np.sum(np.arange(k) * 2 * x[1:])


def test_integer_constants_of_float_arithmetic_written_as_floats():
    """``2 * d`` with ``d`` a derivative or an active value is ``2.0 * d`` (no conversion on every
    call); integers of index and shape arithmetic stay integers."""
    x = RNG.standard_normal(6)
    srcdiff.check_grad(shapes_and_floats, x, 2)
    t = RNG.standard_normal(6)
    _, jv = srcdiff.jvp(shapes_and_floats, (x, 2), t)
    np.testing.assert_allclose(jv, np.vdot(srcdiff.grad(shapes_and_floats)(x, 2), t), rtol=1e-10)
    for source in (srcdiff.grad(shapes_and_floats).source_for(x, 2),
                   srcdiff.forward(shapes_and_floats).source_for(x, 2)):
        assert "- 1.0" not in source and "n * 2.0" not in source and "arange(k) * 2.0" not in source, source
        assert "* 3.0" in source or "3.0 *" in source, source


def _factored(text):
    from srcdiff import ir
    from srcdiff.optimize import peephole
    from srcdiff.front import syntax
    body = [ir.Assign([ir.Name(t.strip())], syntax.parse_expression(v.strip())) for t, v in
            (line.split("=", 1) for line in text.strip().splitlines())]
    body = peephole.factor_powers_of_two(body, {"n"}, _floating({"a", "b", "c", "d", "n"}))
    return "\n".join(syntax.unparse(s).strip() for s in body)


@pytest.mark.parametrize("before, after", [
    ("y = -2.0 * a + b * -2.0 * c", "y = -2.0 * (a + b * c)"),
    ("n = b * -2.0 * c\ny = -2.0 * a + n", "y = -2.0 * (a + b * c)"),   # a one-use temporary read through
    ("y = 0.5 * a - b * 0.5", "y = 0.5 * (a - b)"),
    ("y = 4 * a + -4 * b", "y = 4 * (a - b)"),                          # opposite signs: a difference
    ("y = -a - b * -1.0", "y = -(a - b)"),
    ("y = 3.0 * a + 3.0 * b", "y = 3.0 * a + 3.0 * b"),                 # not a power of two: rounding
    ("y = 2.0 * a + 4.0 * b", "y = 2.0 * a + 4.0 * b"),                 # different constants
    ("y = 2.0 * a * 0.5 + b * 4.0 * 0.25", "y = a + b"),               # constants that are powers of two
    ("y = 3.0 * a * 0.5 + 1.5 * b", "y = 3.0 * a * 0.5 + 1.5 * b"),     # and ones that are not
    ("y = 2.0 * a + b", "y = 2.0 * a + b"),
    ("y = 0.5 * m + 0.5 * k", "y = 0.5 * m + 0.5 * k"),               # maybe masks: m + k is an or
    ("y = 0.5 * m * a - 0.5 * a", "y = 0.5 * m * a - 0.5 * a"),       # 0.5 * m may be wider than a
    ("n = 2.0 * c\ny = 2.0 * a + n\nz = n", "n = 2.0 * c\ny = 2.0 * a + n\nz = n"),  # read twice
    ("n = 2.0 * c\nc = d\ny = 2.0 * a + n", "n = 2.0 * c\nc = d\ny = 2.0 * a + n"),  # c rebound between
])
def test_powers_of_two_factored_out_of_sums(before, after):
    assert _factored(before) == after


def test_factored_gradient_has_the_same_bits():
    """Scaling by a power of two commutes with rounding: the factored Rosenbrock gradient is the
    unfactored one to the last bit."""
    x = RNG.uniform(-2, 2, 50)
    source = srcdiff.grad(rosenbrock).source_for(x)
    assert "d_x[:-1] = -2.0 * (t8 + d_t4 * t2)" in source, source
    xm = x[:-1]
    t4 = x[1:] - xm ** 2
    d_t4 = 200.0 * t4
    expected = np.zeros_like(x)
    expected[:-1] = -2.0 * (1.0 - xm) + d_t4 * -2.0 * xm
    expected[1:] += d_t4
    np.testing.assert_array_equal(srcdiff.grad(rosenbrock)(x), expected)


# Rewrites that would change integer and boolean arithmetic (found by comparing generated code
# with and without them): each must leave masks and uint8 arrays alone.

def sign_weights(x):
    pos = x > 0
    neg = x < 0
    w = 2.0 * pos - 2.0 * neg       # not 2.0 * (pos - neg): NumPy refuses to subtract masks
    return np.sum(w * x)


def step_weights(x):
    w = 0.5 * (x > 0) + 0.5 * (x >= 0)   # not 0.5 * (m + n): the sum of two masks is a logical or
    return np.sum(w * x)


def image_diff(x, img1, img2):
    d = 0.5 * img1 - 0.5 * img2     # not 0.5 * (img1 - img2), which wraps around in uint8
    return np.sum((x - d) ** 2)


def row_masks(X, a, b):
    return np.sum(X[0] * a + X[0] * b)   # d_X[0] = a; d_X[0] += b: not a + b of two masks


def masked_f32(x):
    m = x > 0.5
    return np.sum(0.5 * m * x - 0.5 * x)  # 0.5 * m is float64: the value stays float64


def test_masks_and_small_integers_keep_their_arithmetic():
    x = np.array([1.0, -2.0, 3.0, 0.0])
    np.testing.assert_array_equal(srcdiff.grad(sign_weights)(x), [2.0, -2.0, 2.0, 0.0])
    np.testing.assert_array_equal(srcdiff.grad(step_weights)(x), [1.0, 0.0, 1.0, 0.5])
    _, jv = srcdiff.jvp(sign_weights, (x,), np.ones(4))
    assert jv == 2.0
    u1, u2 = np.array([3, 0, 250, 7], dtype=np.uint8), np.array([5, 1, 10, 7], dtype=np.uint8)
    np.testing.assert_array_equal(srcdiff.grad(image_diff)(x, u1, u2), [4.0, -3.0, -234.0, 0.0])
    X = np.arange(8.0).reshape(2, 4)
    for a, b in [(np.array([True, False, True, False]), np.array([True, True, False, False])), (u1, u2)]:
        expected = np.zeros((2, 4))
        expected[0] = a.astype(float) + b
        np.testing.assert_array_equal(srcdiff.grad(row_masks)(X, a, b), expected)
    x32 = np.array([0.3, 0.7, -1.2], dtype=np.float32)
    value, _ = srcdiff.value_and_grad(masked_f32)(x32)
    assert value == masked_f32(x32) and np.asarray(value).dtype == np.float64


def test_float_names_are_inferred_conservatively():
    """Only names assigned once from arithmetic that is floating point whatever else it meets."""
    import textwrap
    from srcdiff.runtime import helpers as runtime
    from srcdiff.front import syntax
    from srcdiff.analysis.floats import float_names
    text = textwrap.dedent("""\
        def f(x, m):
            t = 1 - x[1:]
            k = x.shape[0] - 1
            d = m
            e = m * 2
            g = m / 2
            z = zeros_like(x)
            s = np.cos(m).sum()
            r = 2 * x
            r = k
            u = unbroadcast(m, x)
            c = reduced_count(x, t)
            return t
        """)
    fn = syntax.to_ir(syntax.function_defs(syntax.parse_module(text))[0][2], text)
    resolve = lambda e: {"np.cos": np.cos, "np": np}.get(syntax.unparse(e))
    from srcdiff.runtime.kernels import reduced_count
    helpers = {"zeros_like": runtime.zeros_like, "unbroadcast": runtime.unbroadcast, "reduced_count": reduced_count}
    assert float_names(fn.body, {"x"}, set(), helpers, resolve) == {"x", "t", "g", "z", "s"}


def mask_twice(x, a):
    return np.sum(x * a) + np.sum(x * a)


def masked_loop(x, masks):
    total = 0.0
    for i in range(masks.shape[0]):
        total = total + np.sum(x * masks[i])
    return total


def test_gradients_made_of_masks_add_up():
    """Folding the seed out of ``1.0 * mask`` leaves a mask as a gradient's first term; adding the
    next one used to be a logical or (``[1, 1, 0]`` for ``[2, 1, 0]``), and for uint8 counts wrap
    around (44 for 300). Such a term is made floating point (``floating(b)``) first."""
    x = np.ones(3)
    a, b = np.array([True, True, False]), np.array([True, False, False])
    np.testing.assert_array_equal(srcdiff.grad(two_masks)(x, a, b), [2.0, 1.0, 0.0])
    np.testing.assert_array_equal(srcdiff.grad(mask_twice)(x, a), [2.0, 2.0, 0.0])
    c, d = np.array([200, 1, 2], dtype=np.uint8), np.array([100, 1, 2], dtype=np.uint8)
    np.testing.assert_array_equal(srcdiff.grad(two_masks)(x, c, d), [300.0, 2.0, 4.0])
    masks = np.array([[True, False, True], [True, True, False], [True, False, False]])
    np.testing.assert_array_equal(srcdiff.grad(masked_loop)(x, masks), [3.0, 1.0, 1.0])
    assert "floating(" in srcdiff.grad(two_masks).source_for(x, a, b)
    assert "floating(" not in srcdiff.grad(rosenbrock).source_for(x)   # floats need nothing


def two_masks(x, a, b):
    return np.sum(x * a + x * b)


def test_merge_factors_looks_up_the_statement_making_a_factor(monkeypatch):
    """Fuzz seed 6019 (a 400-term sum, ~1,400 statements) timed out: merge_factors scanned back over
    every earlier statement for each product with a constant. Each product now looks at most at
    the statements making its own factors, so the work grows with the length of the body."""
    from srcdiff import ir
    from srcdiff.optimize import peephole
    calls = []
    real = peephole._single_use_product
    monkeypatch.setattr(peephole, "_single_use_product", lambda *a: calls.append(1) or real(*a))
    n = 300
    body = []
    for k in range(n):
        body.append(ir.Assign([ir.Name("t%d" % k)], ir.BinOp("*", ir.Const(2.0), ir.Name("x"))))
        body.append(ir.Assign([ir.Name("y%d" % k)], ir.BinOp("*", ir.Const(3.0), ir.Name("t%d" % k))))
    temps = {"t%d" % k for k in range(n)}
    out = peephole.merge_factors(body, temps)
    assert len(calls) <= 2 * n
    assert len(out) == n  # each t_k folded into y_k = 6.0 * x
    assert all(isinstance(s.value, ir.BinOp) and s.value.left.value == 6.0 for s in out)
