"""Forward mode (jvp, forward, grad(mode="forward")), Jacobians and second derivatives.

1. Corpus (tests/data/corpus.py): for every case reverse mode supports, forward and reverse mode agree
   by the dot-product test ``<v, J t> == <J^T v, t>`` (jvp against vjp; container arguments
   included), and ``grad(mode="forward")`` equals reverse ``grad`` (float and array arguments:
   forward-mode grad takes no containers). jvp leaves its tangent and primal arguments unchanged;
   functions reverse mode refuses are refused (or differentiated correctly) by forward mode too.
2. Rules: every registered rule with a tangent template has a forward-mode case: the cases of
   tests/rules/test_rules.py (jvp against vjp and against central differences along the tangent) and,
   for the tangent-only kernels that generated adjoint code calls, KERNEL_CASES below (or the rule
   table's own kernel cases). A meta-test walks the registry and fails for a primitive with only
   one of the two modes (tangent-only kernels are strict xfails, listed with their reason).
3. Second derivatives: ``hessian`` against central differences of reverse-mode gradients,
   ``hvp`` equal to ``hessian @ v``, symmetry; and ``hvp`` against central differences for every
   rule-table case (one differentiated argument per case).
4. Jacobians: forward and reverse agree and match finite differences; shape ``out + arg``.
5. Bad input: tangents of the wrong shape or structure, hessian of a non-scalar function,
   a misspelled mode.
6. Tangents of inactive values are symbolic zeros in the generated code.

Known srcdiff bugs are strict xfails (``Bug`` below) naming the exception they raise.
"""
import ast
import copy
import inspect
import math
import re
import textwrap
import types
from dataclasses import dataclass

import numpy as np
import pytest

import srcdiff
from srcdiff.rules import all_rules
from srcdiff.runtime import kernels, kernels_batched
from tests.data import corpus
from tests.rules import test_rules as rule_table

# Tolerances. Comparisons between two srcdiff results (forward against reverse, hvp against
# hessian, symmetry) use RTOL/ATOL, the absolute part scaled by the magnitude of the quantities
# compared. Comparisons with central finite differences use check_grad's defaults.
RTOL, ATOL = 1e-7, 1e-9
FD_RTOL, FD_ATOL, FD_EPS = 1e-5, 1e-7, 1e-6


# ------------------------------------------------------------------ known srcdiff bugs


@dataclass(frozen=True)
class Bug:
    """A known srcdiff bug: the tests showing it are strict xfails that must fail with ``raises``."""

    reason: str
    raises: object = AssertionError

    def mark(self):
        return pytest.mark.xfail(strict=True, raises=self.raises, reason=self.reason)



# ------------------------------------------------------------------ helpers


def leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in leaves(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in leaves(x[k])]
    return [x]


def random_like(x, rng):
    """Random float64 values with the structure of ``x`` (a Python float for a float; complex
    values for complex leaves)."""
    if isinstance(x, (list, tuple)):
        return type(x)(random_like(v, rng) for v in x)
    if isinstance(x, dict):
        return {k: random_like(v, rng) for k, v in x.items()}
    if np.iscomplexobj(x):
        out = rng.standard_normal(np.shape(x)) + 1j * rng.standard_normal(np.shape(x))
        return complex(out) if np.ndim(x) == 0 else out
    if isinstance(x, float) or np.ndim(x) == 0:
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(x))


def moved(x, h, t):
    """``x + h * t`` leaf by leaf, keeping the structure and leaf types of ``x``."""
    if isinstance(x, (list, tuple)):
        return type(x)(moved(a, h, b) for a, b in zip(x, t))
    if isinstance(x, dict):
        return {k: moved(x[k], h, t[k]) for k in x}
    if isinstance(x, (float, complex)):
        return type(x)(x + h * t)
    return np.asarray(x) + h * np.asarray(t)


def inner(a, b):
    """(Re of the sum of the leafwise products, sum of their absolute values).

    Re(sum(g * t)) pairs a gradient with a tangent also for complex arguments (srcdiff's
    convention: the gradient of a real function of z = x + iy is dL/dx - i dL/dy)."""
    total, magnitude = 0.0, 0.0
    for x, y in zip(leaves(a), leaves(b)):
        prod = np.asarray(x) * np.asarray(y)
        total += float(np.real(np.sum(prod)))
        magnitude += float(np.sum(np.abs(prod)))
    return total, magnitude


def is_container(x):
    return isinstance(x, (list, tuple, dict))


def wrt_info(fun, wrt, args):
    """(single, positions, names, values) of the ``wrt`` arguments in this call."""
    sig = srcdiff.api.Signature(fun, wrt)
    return sig.single, sig.positions, sig.wrt, sig.values(tuple(args), {})


def dot_product_test(fun, args, wrt, seed=0):
    """``<v, J t>`` from jvp equals ``<J^T v, t>`` from vjp; returns (J t, t, value)."""
    rng = np.random.default_rng(seed)
    single, positions, names, values = wrt_info(fun, wrt, args)
    tangents = [random_like(x, rng) for x in values]
    given = copy.deepcopy(tangents)  # jvp gets copies: what it does to them is tested separately
    value, tout = srcdiff.jvp(fun, tuple(copy.deepcopy(args)), given[0] if single else tuple(given), wrt=wrt)
    assert np.shape(tout) == np.shape(value), "tangent of shape %s for an output of shape %s" % (
        np.shape(tout), np.shape(value))
    v = random_like(np.asarray(value) if np.ndim(value) else (0j if np.iscomplexobj(value) else 0.0), rng)
    value_r, pullback = srcdiff.vjp(fun, wrt=wrt)(*copy.deepcopy(args))
    np.testing.assert_allclose(value, value_r, rtol=1e-12, atol=1e-12)
    grads = pullback(v)
    grads = [grads] if single else list(grads)
    lhs, lmag = inner(v, tout)
    rhs, rmag = 0.0, 0.0
    for g, t in zip(grads, tangents):
        s, m = inner(g, t)
        rhs, rmag = rhs + s, rmag + m
    tol = ATOL * max(1.0, lmag, rmag) + RTOL * max(abs(lhs), abs(rhs))
    assert abs(lhs - rhs) <= tol, "<v, J t> = %.15g (jvp) but <J^T v, t> = %.15g (vjp)" % (lhs, rhs)
    return tout, tangents, value


def fd_along(fun, args, positions, values, tangents):
    """Central difference of ``fun`` along the tangents, with check_grad's step rule."""
    biggest = max([1.0] + [float(np.max(np.abs(np.asarray(leaf))))
                           for x in values for leaf in leaves(x) if np.size(leaf)])
    step = FD_EPS * biggest

    def at(h):
        new = list(copy.deepcopy(args))
        for pos, x, t in zip(positions, values, tangents):
            new[pos] = moved(x, h, t)
        return np.asarray(fun(*new))
    return (at(step) - at(-step)) / (2 * step)


def _as_numbers(x):
    x = np.asarray(x)
    return x if np.iscomplexobj(x) else x.astype(float)


def assert_close_fd(analytic, numeric, what):
    analytic, numeric = _as_numbers(analytic), _as_numbers(numeric)
    assert analytic.shape == numeric.shape, "%s: shape %s, finite differences %s" % (what, analytic.shape,
                                                                                    numeric.shape)
    err = np.abs(analytic - numeric)
    scale = max(1.0, float(np.max(np.abs(numeric))) if numeric.size else 1.0)
    bad = err > FD_ATOL * scale + FD_RTOL * np.abs(numeric)
    if np.any(bad):
        i = tuple(int(k) for k in np.unravel_index(np.argmax(err - FD_RTOL * np.abs(numeric)), err.shape))
        raise AssertionError("%s: %d of %d entries differ from finite differences; at %s srcdiff %s, "
                             "finite differences %s" % (what, int(np.sum(bad)), bad.size, list(i),
                                                        _number(analytic[i]), _number(numeric[i])))


def _number(x):
    x = complex(x) if np.iscomplexobj(x) else float(x)
    return "%.10g" % x if isinstance(x, float) else "(%.10g%+.10gj)" % (x.real, x.imag)


def assert_close(a, b, what):
    """Two srcdiff results agree (RTOL, with ATOL scaled by their magnitude)."""
    a, b = _as_numbers(a), _as_numbers(b)
    assert a.shape == b.shape, "%s: shapes %s and %s" % (what, a.shape, b.shape)
    scale = max(1.0, float(np.max(np.abs(a))) if a.size else 1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    err = np.abs(a - b)
    bad = err > ATOL * scale + RTOL * np.maximum(np.abs(a), np.abs(b))
    if np.any(bad):
        i = tuple(int(k) for k in np.unravel_index(np.argmax(err), err.shape))
        raise AssertionError("%s: %d of %d entries differ; at %s: %s vs %s" % (
            what, int(np.sum(bad)), bad.size, list(i), _number(a[i]), _number(b[i])))


# =================================================================== 1. the corpus

# corpus case name -> the srcdiff bug its forward-mode tests show
CORPUS_BUGS = {
}

SUPPORTED = [c for c in corpus.CASES if c.refuses is None]


def has_container_wrt(case):
    return any(is_container(x) for x in wrt_info(case.fun, case.wrt, case.make())[3])


def corpus_params(cases, bugs):
    out = []
    for case in cases:
        bug = bugs.get(case.name)
        out.append(pytest.param(case, id=case.name, marks=[bug.mark()] if bug else []))
    return out


def test_corpus_selection():
    """Every supported corpus case is in the dot-product test; a few take containers."""
    assert len(SUPPORTED) >= 130
    containers = [c.name for c in SUPPORTED if has_container_wrt(c)]
    assert len(containers) >= 5, containers


@pytest.mark.parametrize("case", corpus_params(SUPPORTED, CORPUS_BUGS))
def test_corpus_jvp_matches_vjp(case):
    dot_product_test(case.fun, case.make(), case.wrt)


MAX_FORWARD_ENTRIES = 60  # larger wrt arguments: compare a subsample of gradient entries


@pytest.mark.parametrize("case", corpus_params([c for c in SUPPORTED if not has_container_wrt(c)], CORPUS_BUGS))
def test_corpus_forward_grad_matches_reverse(case):
    args = case.make()
    single, positions, names, values = wrt_info(case.fun, case.wrt, args)
    reverse = srcdiff.grad(case.fun, wrt=case.wrt)(*case.make())
    reverse = [reverse] if single else list(reverse)
    if sum(np.size(x) for x in values) <= MAX_FORWARD_ENTRIES:
        forward = srcdiff.grad(case.fun, wrt=case.wrt, mode="forward")(*case.make())
        forward = [forward] if single else list(forward)
        for name, x, f, r in zip(names, values, forward, reverse):
            assert type(f) is type(x), "%s: forward grad is a %s for a %s" % (name, type(f).__name__,
                                                                              type(x).__name__)
            assert_close(f, r, "d/d%s forward vs reverse" % name)
        return
    rng = np.random.default_rng(1)  # large arguments: jvp along a subsample of unit tangents
    for k, (name, x) in enumerate(zip(names, values)):
        for flat in rng.choice(np.size(x), size=min(np.size(x), 12), replace=False):
            idx = np.unravel_index(flat, np.shape(x))
            tangents = [np.zeros(np.shape(v)) if not isinstance(v, float) else 0.0 for v in values]
            tangents[k] = np.zeros(np.shape(x))
            tangents[k][idx] = 1.0
            _, tout = srcdiff.jvp(case.fun, case.make(), tangents[0] if single else tuple(tangents),
                                  wrt=case.wrt)
            assert_close(tout, np.asarray(reverse[k])[idx], "d/d%s%s forward vs reverse" % (name, list(idx)))


@pytest.mark.parametrize("case", corpus_params(SUPPORTED, {}))
def test_corpus_jvp_leaves_arguments_unchanged(case):
    args = case.make()
    single, positions, names, values = wrt_info(case.fun, case.wrt, args)
    rng = np.random.default_rng(2)
    tangents = [random_like(x, rng) for x in values]
    before_t, before_args = copy.deepcopy(tangents), copy.deepcopy(args)
    srcdiff.jvp(case.fun, args, tangents[0] if single else tuple(tangents), wrt=case.wrt)
    for name, t, t0 in zip(names, tangents, before_t):
        for a, b in zip(leaves(t), leaves(t0)):
            np.testing.assert_array_equal(a, b, err_msg="jvp changed the tangent of `%s`" % name)
    for i, (a, b) in enumerate(zip(args, before_args)):
        for x, y in zip(leaves(a), leaves(b)):
            if isinstance(y, (np.ndarray, float)):
                np.testing.assert_array_equal(x, y, err_msg="jvp changed argument %d" % i)


REFUSED = [c for c in corpus.CASES if c.refuses is not None]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in REFUSED])
def test_corpus_refused_cases_are_refused_or_right_in_forward_mode(case):
    """Reverse mode refuses these functions (writes through an alias of an array); forward mode
    must refuse them too, or get their derivative right."""
    args = case.make()
    single, positions, names, values = wrt_info(case.fun, case.wrt, args)
    tangents = [random_like(x, np.random.default_rng(4)) for x in values]
    try:
        _, tout = srcdiff.jvp(case.fun, case.make(), copy.deepcopy(tangents[0] if single else tuple(tangents)),
                              wrt=case.wrt)
    except case.refuses:
        return
    assert_close_fd(tout, fd_along(case.fun, case.make(), positions, values, tangents),
                    "jvp of %s (reverse mode refuses it with %s)" % (case.name, case.refuses.__name__))


def test_jvp_leaves_an_argument_written_in_place_unchanged():
    """Reverse mode copies an argument the function writes into (test_corpus checks it); forward mode
    must leave the caller's array, and the caller's tangent, unchanged too."""
    x, t = np.array([1.0, -2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    value, tout = srcdiff.jvp(corpus.argument_written_in_place, (x,), t)
    # sum((2 * [0, x1, x2]) ** 2) = 52 and its derivative along t: 8 (x1 t1 + x2 t2) = 8
    assert value == pytest.approx(52.0) and tout == pytest.approx(8.0)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0], err_msg="jvp changed the caller's argument")
    np.testing.assert_array_equal(t, [1.0, 1.0, 1.0], err_msg="jvp changed the caller's tangent")


def copy_then_double_first(x):
    y = x.copy()
    y[0] = y[0] * 2.0
    return np.sum(y ** 2)


def rebind_product(x, a):
    x = x * a
    return x


def rebind_sin(x):
    x = np.sin(x)
    return x


def test_copy_does_not_alias_the_tangent():
    """jvp must not write into the caller's tangent array through the tangent of a copy
    (corpus cases: copy_then_scale, leaky_relu_by_mask_scaling, feature_column_rescale)."""
    x, t = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0])
    _, tout = srcdiff.jvp(copy_then_double_first, (x,), t)
    assert tout == pytest.approx(2.0 * 2.0 * 2.0 + 2 * 2.0 + 2 * 3.0)
    np.testing.assert_array_equal(t, [1.0, 1.0, 1.0], err_msg="jvp changed the tangent it was given")


@pytest.mark.parametrize("fun, args, tangents, wrt, expected", [
    (rebind_product, (2.0, 3.0), (1.0, 1.0), (0, 1), 3.0 + 2.0),  # d(x a) = a dx + x da
    (rebind_sin, (0.5,), 1.0, 0, math.cos(0.5)),
], ids=["x = x * a", "x = np.sin(x)"])
def test_rebinding_an_operand(fun, args, tangents, wrt, expected):
    """Minimal reproducers: the tangent statement reads the rebound (new) primal value."""
    _, tout = srcdiff.jvp(fun, args, tangents, wrt=wrt)
    assert tout == pytest.approx(expected, rel=1e-12)


# =================================================================== 2. the rules

KW = np.random.default_rng(20240612)
KW1, KW2, KW3 = KW.standard_normal(8), KW.standard_normal((8, 8)), KW.standard_normal((8, 8, 8))


def kn(*shape):
    return KW.standard_normal(shape)


# tangent-only kernels: the rules' adjoint templates call them, and forward mode over a generated
# gradient (hessian, hvp) needs their tangents. Each case reduces the kernel's result with fixed
# random weights. Arguments that only give shapes are passed but not differentiated.


def k_written_part(g):
    # a repeated index: only the last write of entry 1 keeps its adjoint
    return np.sum(srcdiff.runtime.helpers.written_part(g, np.array([1, 0, 1])) * KW1[:3])


def k_matmul_lhs(g, a, b):
    return np.sum(kernels.matmul_lhs(g, a, b) * KW2[:np.shape(a)[0], :np.shape(a)[-1]]) if np.ndim(a) == 2 \
        else np.sum(kernels.matmul_lhs(g, a, b) * KW1[:np.size(a)])


def k_matmul_rhs(g, a, b):
    return np.sum(kernels.matmul_rhs(g, a, b) * KW2[:np.shape(b)[0], :np.shape(b)[-1]]) if np.ndim(b) == 2 \
        else np.sum(kernels.matmul_rhs(g, a, b) * KW1[:np.size(b)])


def k_dot_lhs(g, a, b):
    return np.sum(kernels.dot_lhs(g, a, b) * KW2[:np.shape(a)[0], :np.shape(a)[-1]])


def k_dot_rhs(g, a, b):
    return np.sum(kernels.dot_rhs(g, a, b) * KW3[:3, :4, :5]) if np.ndim(b) == 3 \
        else np.sum(kernels.dot_rhs(g, a, b) * KW2[:np.shape(b)[0], :np.shape(b)[-1]])


def k_inner_lhs(g, a, b):
    return np.sum(kernels.inner_lhs(g, a, b) * KW2[:3, :4])


def k_inner_rhs(g, a, b):
    return np.sum(kernels.inner_rhs(g, a, b) * KW2[:5, :4])


def k_tensordot_lhs(g, a, b):
    return np.sum(kernels.tensordot_lhs(g, a, b, 2) * KW3[:2, :3, :4])


def k_tensordot_rhs(g, a, b):
    return np.sum(kernels.tensordot_rhs(g, a, b, 2) * KW3[:3, :4, :5])


def k_solve_adjoint_a(g, y):
    return np.sum(kernels.solve_adjoint_a(g, y) * KW2[:3, :3])


def k_centered(a):
    return np.sum(kernels.centered(a, 0) * KW2[:3, :4])


def k_astype_adjoint(g, a, y):
    return np.sum(kernels.astype_adjoint(g, a, y) * KW2[:3, :4])


def k_fan_out(g, items):
    parts = kernels.fan_out(g, items)
    return np.sum(parts[0] * KW2[:3, :4]) + np.sum(parts[1] * KW1[:4]) + parts[2] * 1.3


def k_unstack(g):
    parts = kernels.unstack(g, 1)
    return np.sum(parts[0] * KW1[:3]) + np.sum(parts[3] * parts[3])


def k_split_like(g, parts):
    pieces = kernels.split_like(g, parts, 0)
    return np.sum(pieces[0] * KW2[:2, :4]) + np.sum(pieces[1] * KW2[2:5, :4])


def k_diag_adjoint(g, v):
    return np.sum(kernels.diag_adjoint(g, v, 0) * KW2[:3, :3]) if np.ndim(v) == 2 \
        else np.sum(kernels.diag_adjoint(g, v, 1) * KW1[:3])


def k_trace_adjoint(g, a):
    return np.sum(kernels.trace_adjoint(g, a, 0, 0, 1) * KW2[:3, :3])


def k_diff_adjoint(g):
    return np.sum(kernels.diff_adjoint(g, 1, -1) * KW2[:3, :4])


def k_cumsum_adjoint(g, a):
    return np.sum(kernels.cumsum_adjoint(g, a, 1) * KW2[:3, :4])


def k_cumsum_adjoint_flat(g, a):
    return np.sum(kernels.cumsum_adjoint(g, a) * KW2[:3, :4])


def k_expand_scaled(g, a, y):
    return np.sum(kernels.expand_scaled(g, a, y, 0, False) * KW2[:3, :4])


# the per-step sums of a batched reverse loop (srcdiff/batching.py): the lists are built here from
# the differentiated arguments so that every gathered entry carries a tangent
def _steps(x):
    return [x, 2.0 * x, np.sin(x)]


def k_matmul_lhs_sum(g, a, b):
    out = kernels_batched.matmul_lhs_sum(_steps(g), a, _steps(b)[::-1])
    return np.sum(out * KW2[:np.shape(out)[0], :np.shape(out)[-1]]) if np.ndim(out) == 2 else np.sum(out * KW1[:np.size(out)])


def k_matmul_rhs_sum(g, a, b):
    out = kernels_batched.matmul_rhs_sum(_steps(g), _steps(a)[::-1], b)
    return np.sum(out * KW2[:np.shape(out)[0], :np.shape(out)[-1]]) if np.ndim(out) == 2 else np.sum(out * KW1[:np.size(out)])


def k_unbroadcast_sum(g, x):
    return np.sum(kernels_batched.unbroadcast_sum(_steps(g), x) * KW1[:np.size(x)].reshape(np.shape(x)))


def k_unbroadcast_sum_ragged(g, h, x):
    return np.sum(kernels_batched.unbroadcast_sum([g, h, 3.0 * g], x) * KW1[:np.size(x)].reshape(np.shape(x)))


@dataclass
class KernelCase:
    prim: object
    fun: object
    args: tuple
    wrt: object
    label: str
    bug: Bug = None

    @property
    def id(self):
        return "%s[%s]" % (self.prim.__name__, self.label)


KERNEL_CASES = [
    KernelCase(srcdiff.runtime.helpers.written_part, k_written_part, (kn(4),), (0,), "repeated index"),
    KernelCase(kernels.matmul_lhs, k_matmul_lhs, (kn(3, 5), kn(3, 4), kn(4, 5)), (0, 2), "2d@2d"),
    KernelCase(kernels.matmul_lhs, k_matmul_lhs, (kn(3), kn(3, 4), kn(4)), (0, 2), "2d@1d"),
    KernelCase(kernels.matmul_lhs, k_matmul_lhs, (kn(5), kn(4), kn(4, 5)), (0, 2), "1d@2d"),
    KernelCase(kernels.matmul_rhs, k_matmul_rhs, (kn(3, 5), kn(3, 4), kn(4, 5)), (0, 1), "2d@2d"),
    KernelCase(kernels.matmul_rhs, k_matmul_rhs, (kn(3), kn(3, 4), kn(4)), (0, 1), "2d@1d"),
    KernelCase(kernels_batched.matmul_lhs_sum, k_matmul_lhs_sum, (kn(3), kn(3, 4), kn(4)), (0, 2), "outer products"),
    KernelCase(kernels_batched.matmul_lhs_sum, k_matmul_lhs_sum, (kn(3, 2), kn(3, 4), kn(4, 2)), (0, 2), "2d@2d"),
    KernelCase(kernels_batched.matmul_lhs_sum, k_matmul_lhs_sum, (kn(5), kn(4), kn(4, 5)), (0, 2), "1d@2d"),
    KernelCase(kernels_batched.matmul_rhs_sum, k_matmul_rhs_sum, (kn(4), kn(3), kn(3, 4)), (0, 1), "outer products"),
    KernelCase(kernels_batched.matmul_rhs_sum, k_matmul_rhs_sum, (kn(2, 4), kn(2, 3), kn(3, 4)), (0, 1), "2d@2d"),
    KernelCase(kernels_batched.matmul_rhs_sum, k_matmul_rhs_sum, (kn(3), kn(3, 4), kn(4)), (0, 1), "2d@1d"),
    KernelCase(kernels_batched.unbroadcast_sum, k_unbroadcast_sum, (kn(2, 3), kn(3)), (0,), "rows"),
    KernelCase(kernels_batched.unbroadcast_sum, k_unbroadcast_sum_ragged, (kn(2, 3), kn(3), kn(1, 3)), (0, 1),
               "steps of different shapes"),
    KernelCase(kernels.dot_lhs, k_dot_lhs, (kn(3, 5), kn(3, 4), kn(4, 5)), (0, 2), "2d,2d"),
    KernelCase(kernels.dot_lhs, k_dot_lhs, (kn(2, 3, 5), kn(2, 4), kn(3, 4, 5)), (0, 2), "2d,3d"),
    KernelCase(kernels.dot_rhs, k_dot_rhs, (kn(3, 5), kn(3, 4), kn(4, 5)), (0, 1), "2d,2d"),
    KernelCase(kernels.dot_rhs, k_dot_rhs, (kn(2, 3, 5), kn(2, 4), kn(3, 4, 5)), (0, 1), "2d,3d"),
    KernelCase(kernels.inner_lhs, k_inner_lhs, (kn(3, 5), kn(3, 4), kn(5, 4)), (0, 2), "2d,2d"),
    KernelCase(kernels.inner_rhs, k_inner_rhs, (kn(3, 5), kn(3, 4), kn(5, 4)), (0, 1), "2d,2d"),
    KernelCase(kernels.tensordot_lhs, k_tensordot_lhs, (kn(2, 5), kn(2, 3, 4), kn(3, 4, 5)), (0, 2), "axes=2"),
    KernelCase(kernels.tensordot_rhs, k_tensordot_rhs, (kn(2, 5), kn(2, 3, 4), kn(3, 4, 5)), (0, 1), "axes=2"),
    KernelCase(kernels.solve_adjoint_a, k_solve_adjoint_a, (kn(3), kn(3)), (0, 1), "vector"),
    KernelCase(kernels.solve_adjoint_a, k_solve_adjoint_a, (kn(3, 2), kn(3, 2)), (0, 1), "matrix"),
    KernelCase(kernels.centered, k_centered, (kn(3, 4),), 0, "axis=0"),
    KernelCase(kernels.astype_adjoint, k_astype_adjoint, (kn(3, 4), kn(3, 4), kn(3, 4)), 0, "float"),
    KernelCase(kernels.fan_out, k_fan_out, (kn(3, 4), [kn(3, 4), kn(4), 2.0]), 0, "items"),
    KernelCase(kernels.unstack, k_unstack, (kn(3, 4),), 0, "axis=1"),
    KernelCase(kernels.split_like, k_split_like, (kn(5, 4), [kn(2, 4), kn(3, 4)]), 0, "axis=0"),
    KernelCase(kernels.diag_adjoint, k_diag_adjoint, (kn(3), kn(3, 3)), 0, "matrix"),
    KernelCase(kernels.diag_adjoint, k_diag_adjoint, (kn(4, 4), kn(3)), 0, "vector,k=1"),
    KernelCase(kernels.trace_adjoint, k_trace_adjoint, (0.7, kn(3, 3)), 0, "3x3"),
    KernelCase(kernels.diff_adjoint, k_diff_adjoint, (kn(3, 3),), 0, "n=1"),
    KernelCase(kernels.cumsum_adjoint, k_cumsum_adjoint, (kn(3, 4), kn(3, 4)), 0, "axis=1"),
    KernelCase(kernels.cumsum_adjoint, k_cumsum_adjoint_flat, (kn(12), kn(3, 4)), 0, "axis=None"),
    KernelCase(kernels.expand_scaled, k_expand_scaled, (kn(4), kn(3, 4), kn(4)), 0, "axis=0"),
]

try:  # the FFT kernels (srcdiff/runtime/kernels_fft.py)
    from srcdiff.runtime import kernels_fft
except ImportError:  # pragma: no cover - an srcdiff without numpy.fft rules
    kernels_fft = None


def k_fft_adjoint(g, a):
    return np.sum(kernels_fft.fft_adjoint(g, a, None, -1, None, False) * KW2[:3, :4]) + \
        np.sum(kernels_fft.fft_adjoint(g, a, None, -1, "ortho", True) * KW2[3:6, :4])


def k_fft_adjoint_padded(g, a):
    return np.sum(np.real(kernels_fft.fft_adjoint(g, a, 6, 1, None, False) * (KW2[:3, :4] + 0.5j)))


def k_fftn_adjoint(g, a):
    return np.sum(kernels_fft.fftn_adjoint(g, a, None, None, None, False) * KW2[:3, :4]) + \
        np.sum(kernels_fft.fftn_adjoint(g, a, None, (0,), None, True) * KW2[3:6, :4])


def k_rfft_adjoint(g, a):
    return np.sum(kernels_fft.rfft_adjoint(g, a, None, -1, None) * KW2[:3, :6])


def k_rfftn_adjoint(g, a):
    return np.sum(kernels_fft.rfftn_adjoint(g, a, None, None, None) * KW2[:3, :6])


def k_irfft_adjoint(g, a):
    return np.sum(np.real(kernels_fft.irfft_adjoint(g, a, None, -1, None) * (KW2[:3, :4] - 0.7j)))


def k_irfftn_adjoint(g, a):
    return np.sum(np.real(kernels_fft.irfftn_adjoint(g, a, None, None, None) * (KW2[:3, :4] + 0.3j)))


def kc(*shape):
    return KW.standard_normal(shape) + 1j * KW.standard_normal(shape)


if kernels_fft is not None:
    KERNEL_CASES += [
        KernelCase(kernels_fft.fft_adjoint, k_fft_adjoint, (kc(3, 4), kn(3, 4)), 0, "fft and ifft"),
        KernelCase(kernels_fft.fft_adjoint, k_fft_adjoint_padded, (kc(3, 6), kc(3, 4)), 0, "n=6, complex a"),
        KernelCase(kernels_fft.fftn_adjoint, k_fftn_adjoint, (kc(3, 4), kn(3, 4)), 0, "fftn and ifftn"),
        KernelCase(kernels_fft.rfft_adjoint, k_rfft_adjoint, (kc(3, 4), kn(3, 6)), 0, "rfft"),
        KernelCase(kernels_fft.rfftn_adjoint, k_rfftn_adjoint, (kc(3, 4), kn(3, 6)), 0, "rfftn"),
        KernelCase(kernels_fft.irfft_adjoint, k_irfft_adjoint, (kn(3, 6), kc(3, 4)), 0, "irfft"),
        KernelCase(kernels_fft.irfftn_adjoint, k_irfftn_adjoint, (kn(3, 6), kc(3, 4)), 0, "irfftn"),
    ]

# rule-table cases showing a forward-mode bug: (primitive, label) -> Bug
RULE_FORWARD_BUGS = {}


def rule_params():
    out = []
    for c in rule_table.CASES:
        bug = RULE_FORWARD_BUGS.get((c.prim, c.label)) or c.bug
        out.append(pytest.param(c, id=c.id, marks=[bug.mark()] if bug else []))
    return out


@pytest.mark.parametrize("c", rule_params())
def test_rule_forward(c):
    """jvp against vjp (the dot-product test) and against central differences along the tangent."""
    tout, tangents, _ = dot_product_test(c.fun, c.args, c.wrt, seed=11)
    single, positions, names, values = wrt_info(c.fun, c.wrt, c.args)
    assert_close_fd(tout, fd_along(c.fun, c.args, positions, values, tangents), "jvp of %s" % c.id)


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id, marks=[c.bug.mark()] if c.bug else [])
                               for c in KERNEL_CASES])
def test_kernel_tangent_rule(c):
    """Tangent-only kernels have no adjoint to compare with: jvp against central differences."""
    rng = np.random.default_rng(12)
    single, positions, names, values = wrt_info(c.fun, c.wrt, c.args)
    tangents = [random_like(x, rng) for x in values]
    _, tout = srcdiff.jvp(c.fun, copy.deepcopy(tuple(c.args)),
                          copy.deepcopy(tangents[0] if single else tuple(tangents)), wrt=c.wrt)
    assert_close_fd(tout, fd_along(c.fun, c.args, positions, values, tangents), "jvp of %s" % c.id)


def builtin_rules():
    """The rules srcdiff registers itself (not rules a user or another test registered)."""
    prefixes = ("numpy", "math", "builtins", "srcdiff", "_operator", "operator")
    return [r for r in all_rules() if (getattr(r.obj, "__module__", None) or "builtins").startswith(prefixes)]


def tangent_rules():
    return [r for r in builtin_rules() if r.tangent is not None and not r.nondifferentiable]


def module_attributes_called(fun):
    """ids of the objects ``fun``'s source reaches as ``module.name`` (kernels it calls directly)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fun)))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = fun.__globals__.get(node.value.id)
            if isinstance(base, types.ModuleType) and hasattr(base, node.attr):
                out.add(id(getattr(base, node.attr)))
    return out


def test_every_tangent_rule_has_a_forward_case():
    """A rule is covered by a case here (the rule table's cases and KERNEL_CASES) or by a kernel
    case of the rule table itself (tests/rules/test_rules.py KERNEL_TANGENT_CASES, pytest params
    (kernel, fun, args, wrt) whose ``fun`` may call several kernels)."""
    covered = {id(c.prim) for c in rule_table.CASES} | {id(c.prim) for c in KERNEL_CASES}
    for c in KERNEL_CASES:
        covered |= module_attributes_called(c.fun)
    for p in getattr(rule_table, "KERNEL_TANGENT_CASES", []):
        covered.add(id(p.values[0]))
        covered |= module_attributes_called(p.values[1])
    missing = sorted(r.name for r in tangent_rules() if id(r.obj) not in covered and r.name not in REFUSING_TANGENTS)
    assert not missing, "rules with a tangent template but no forward-mode case: %s" % ", ".join(missing)


# kernels whose tangent template only refuses (test_scipy_odeint.py::test_odeint_second_derivatives_are_refused)
REFUSING_TANGENTS = {"srcdiff.runtime.kernels_integrate.odeint_adjoint", "srcdiff.runtime.kernels_integrate.odeint_tangent",
                     # refused second derivatives in the shapes (tests/runtime/test_kernels_incomplete.py)
                     "srcdiff.runtime.kernels_incomplete.betainc_da", "srcdiff.runtime.kernels_incomplete.betainc_db",
                     "srcdiff.runtime.kernels_incomplete.gammainc_da", "srcdiff.runtime.kernels_incomplete.stdtr_ddf"}


def test_kernel_cases_name_tangent_rules():
    registered = {id(r.obj) for r in tangent_rules()}
    strays = sorted(c.id for c in KERNEL_CASES if id(c.prim) not in registered)
    assert not strays, strays


# Primitives registered with only one mode are strict xfails of test_rule_has_both_modes, so that
# adding the missing rule turns them into an XPASS that forces this table to be updated.
# Tangent-only kernels (functions in srcdiff/rules/kernels*.py that the adjoint templates call) are
# classified by module; any other one-mode primitive must be listed in ONE_MODE with its reason.
TANGENT_ONLY_KERNEL = (
    "tangent only: a numeric kernel that srcdiff's adjoint templates call. Forward-over-reverse "
    "(hessian, hvp) needs its tangent; nothing differentiates generated adjoint code in reverse mode, "
    "so it has no adjoint")
ONE_MODE = {  # primitive name -> reason
    "srcdiff.runtime.helpers.written_part": "tangent only: the adjoint of an indexed store calls it; forward-over-"
                                            "reverse needs its tangent, and reverse over a taped gradient is refused",
}


def is_kernel(rule):
    return (getattr(rule.obj, "__module__", None) or "").startswith("srcdiff.runtime.kernels")


def one_mode_reason(rule):
    """Why ``rule`` has only one mode (None when that is not known and accepted)."""
    if rule.name in ONE_MODE:
        return ONE_MODE[rule.name]
    if is_kernel(rule) and rule.adjoint is None and rule.tangent is not None:
        return TANGENT_ONLY_KERNEL
    return None


def differentiable_rules():
    return [r for r in builtin_rules() if not r.nondifferentiable and (r.adjoint or r.tangent)]


def is_one_mode(rule):
    return (rule.adjoint is None) != (rule.tangent is None)


def both_modes_params():
    out = []
    for r in sorted(differentiable_rules(), key=lambda r: r.name):
        reason = one_mode_reason(r)
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)] if reason else []
        out.append(pytest.param(r.name, id=r.name, marks=marks))
    return out


@pytest.mark.parametrize("name", both_modes_params())
def test_rule_has_both_modes(name):
    rule = {r.name: r for r in all_rules()}[name]
    missing = [mode for mode, template in (("reverse (adjoint)", rule.adjoint), ("forward (tangent)", rule.tangent))
               if template is None]
    assert not missing, "%s has no %s rule" % (name, " and no ".join(missing))


def test_registry_walk_finds_no_unexplained_one_mode_primitive():
    """Walks the registry at run time (rules registered after collection included)."""
    one_mode = [r for r in differentiable_rules() if is_one_mode(r)]
    unexplained = sorted(r.name for r in one_mode if one_mode_reason(r) is None)
    assert not unexplained, "primitives with only one mode: %s" % ", ".join(unexplained)
    stale = sorted(set(ONE_MODE) - {r.name for r in one_mode})
    assert not stale, "listed in ONE_MODE but now have both modes (or are gone): %s" % ", ".join(stale)


# =================================================================== 3. second derivatives


def fd_hessian(fun, args, pos):
    """Central differences of srcdiff's reverse-mode gradient, column by column."""
    x = args[pos]
    xa = np.asarray(x, dtype=float)
    g = srcdiff.grad(fun, wrt=pos)
    step = FD_EPS * max(1.0, float(np.max(np.abs(xa))))
    H = np.zeros(xa.shape + xa.shape)
    for idx in np.ndindex(*xa.shape):
        cols = []
        for sign in (1.0, -1.0):
            shifted = xa.copy()
            shifted[idx] += sign * step
            new = list(copy.deepcopy(args))
            new[pos] = float(shifted) if isinstance(x, float) else shifted
            cols.append(np.asarray(g(*new), dtype=float))
        H[(Ellipsis,) + idx] = (cols[0] - cols[1]) / (2 * step)
    return H


QA = np.array([[2.0, 0.5, -0.3], [0.1, 1.5, 0.4], [-0.6, 0.2, 3.0]])


def quadratic_form(x):
    return 0.5 * x @ QA @ x + np.sum(x)


def piecewise_vector(x, w):
    if np.dot(x, w) > 0:
        y = np.sum(np.exp(0.5 * x) * w)
    else:
        y = np.sum(x ** 3 * w) + np.sum(x * x)
    return y


def smooth_while(x):
    k = 0
    while np.sum(x * x) < 4.0:
        x = 1.3 * x + 0.1 * np.tanh(x)
        k += 1
    return np.sum(np.sin(x)) * k


def tanh_layer(h, W, b):
    return np.tanh(W @ h + b)


def two_layer_mlp(W1, W2, x):
    h = tanh_layer(x, W1, 0.1)
    out = tanh_layer(h, W2, -0.2)
    return np.sum(out ** 2)


def H(name, pos, fun=None, args=None, bug=None):
    return (name, pos, fun, args, bug)


BY_NAME = {c.name: c for c in corpus.CASES}
_R = np.random.default_rng(31)
MLP_W1, MLP_W2 = 0.5 * _R.standard_normal((3, 3)), 0.5 * _R.standard_normal((2, 3))
HESSIAN_CASES = [
    # integrators, recurrent networks, loops
    H("euler_scalar", 0), H("euler_scalar", 1),
    H("euler_vector_oscillator", 0), H("euler_vector_oscillator", 1),
    H("euler_matrix_system", 0), H("euler_matrix_system", 1),
    H("rnn_loss", 0), H("rnn_loss", 1), H("rnn_loss", 2),
    H("rnn_sequence_outputs", 1),
    H("lstm_loss", 2),
    H("while_grow", 0), H("while_norm_condition", 0), H("while_with_inner_for", 0),
    H("smooth_while", 0, smooth_while, lambda: (np.array([0.3, -0.2, 0.4]),)),
    H("for_over_rows", 1), H("conv1d_loops", 0), H("conv1d_loops", 1),
    H("loop_break_early", 0), H("early_return_in_loop_taken", 0), H("early_return_in_loop_not_taken", 1),
    H("tuple_swap_recurrence", 1), H("newton_sqrt", 0), H("horner_scalar", 1), H("matrix_power_loop", 0),
    H("discounted_return", 1), H("cumulative_product_in_place", 0), H("inplace_elementwise_fill", 0),
    # piecewise functions: each side of the branch
    H("piecewise_float_low", 0), H("piecewise_float_mid", 0), H("piecewise_float_high", 0),
    H("branch_on_array_sum_pos", 0), H("branch_on_array_sum_neg", 0),
    H("piecewise_vector_pos", 0, piecewise_vector, lambda: (np.array([0.5, 0.2, -0.1]), np.array([1.0, 0.5, 0.3]))),
    H("piecewise_vector_neg", 0, piecewise_vector, lambda: (np.array([-0.5, 0.2, -0.1]), np.array([1.0, 0.5, 0.3]))),
    # recursion and helper calls
    H("recursive_shrink", 0), H("recursive_poly", 0), H("recursive_poly", 1),
    H("imported_helper_huber", 0), H("helpers_with_defaults", 0), H("helper_returning_tuple", 0),
    H("stacked_dense_helper", 0), H("checkpoint_in_loop", 0), H("deep_residual_plain", 2),
    # networks and straight-line code
    H("mlp_tanh_mse", 0), H("mlp_tanh_mse", 2), H("mlp_relu_softmax_xent", 2),
    H("two_layer_mlp", 0, two_layer_mlp, lambda: (MLP_W1.copy(), MLP_W2.copy(), np.array([0.3, -1.0, 0.8]))),
    H("logistic_regression", 0), H("rosenbrock", 0), H("log_sum_exp", 0), H("self_attention", 0),
    H("batch_norm", 2), H("nbody_potential", 0), H("math_on_floats", 0), H("softmax_cross_entropy", 0),
    H("covariance_trace", 0), H("rbf_kernel", 1), H("gaussian_nll", 1),
    H("quadratic_form", 0, quadratic_form, lambda: (np.array([0.3, -1.0, 0.8]),)),
    # known bugs
    H("gaussian_log_det", 0), H("gaussian_log_det", 1),  # np.linalg.solve, np.linalg.det
    H("reductions_with_keywords", 0),  # np.prod, np.std, np.max with axis
    H("reversed_loop_backsubstitution", 1),  # x[i] = ...
]


def hessian_params():
    out = []
    for name, pos, fun, make, bug in HESSIAN_CASES:
        if fun is None:
            fun, make = BY_NAME[name].fun, BY_NAME[name].make
        out.append(pytest.param(fun, make, pos, id="%s-wrt%d" % (name, pos), marks=[bug.mark()] if bug else []))
    return out


def test_hessian_case_count():
    functions = {fun for _, _, fun, _, _ in [(n, p, f or BY_NAME[n].fun, m, b) for n, p, f, m, b in HESSIAN_CASES]}
    assert len(functions) >= 20


@pytest.mark.parametrize("fun, make, pos", hessian_params())
def test_hessian(fun, make, pos):
    args = make()
    x = args[pos]
    Hs = srcdiff.hessian(fun, wrt=pos)(*make())
    if isinstance(x, float):
        assert type(Hs) is float
    else:
        assert Hs.shape == x.shape + x.shape
    assert_close_fd(Hs, fd_hessian(fun, make(), pos), "hessian")
    n = int(np.size(x))
    M = np.reshape(Hs, (n, n))
    assert_close(M, M.T, "H against its transpose")
    rng = np.random.default_rng(5)
    v = float(rng.standard_normal()) if isinstance(x, float) else rng.standard_normal(np.shape(x))
    Hv = srcdiff.hvp(fun, wrt=pos)(*make(), v)
    assert np.shape(Hv) == np.shape(x)
    assert_close(Hv, np.reshape(M @ np.reshape(v, n), np.shape(x)), "hvp against hessian @ v")


def test_quadratic_form_hessian_is_exact():
    H_ = srcdiff.hessian(quadratic_form)(np.array([0.3, -1.0, 0.8]))
    np.testing.assert_allclose(H_, 0.5 * (QA + QA.T), rtol=1e-14, atol=1e-14)


def test_hvp_source_is_forward_over_reverse():
    x = np.array([0.3, -1.0, 0.8])
    product = srcdiff.hvp(two_layer_mlp, wrt=0)
    text = product.source_for(0.5 * np.eye(3), 0.5 * np.ones((2, 3)), x)
    assert "def " in text and "t_" in text
    with pytest.raises(AttributeError, match="source_for"):
        product.source


def mse_layer(W, X, Y):
    return np.mean((np.tanh(X @ W) - Y) ** 2)


def test_hvp_computes_the_tangent_of_the_gradient_only():
    """``H @ v`` is the tangent of the gradient: the gradient itself (here ``X.T @ d``, a product
    as costly as the function's own) is not computed."""
    rng = np.random.default_rng(3)
    W, X, Y = rng.standard_normal((4, 3)), rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    v = rng.standard_normal((4, 3))
    text = srcdiff.hvp(mse_layer).source_for(W, X, Y)
    # X @ W, X @ t_W and X.T @ (tangent of d): no X.T @ d for the gradient
    assert text.count(" @ ") == 3 and " d_W = " not in text and "return t_d_W\n" in text, text
    eps = 1e-6
    g = srcdiff.grad(mse_layer)
    expected = (g(W + eps * v, X, Y) - g(W - eps * v, X, Y)) / (2 * eps)
    np.testing.assert_allclose(srcdiff.hvp(mse_layer)(W, X, Y, v), expected, rtol=1e-6, atol=1e-8)


# hvp for every rule-table case: forward mode over each rule's generated adjoint code
# rule-table case id -> Bug
_PHASE = rule_table.Bug("forward mode through complex eigenvectors is refused (their phase is not smooth)",
                        (srcdiff.NonDifferentiableError,))
RULE_HVP_BUGS = {
    "linalg.eig[real, complex pairs: eigenvalues]": _PHASE, "linalg.eig[complex: eigenvalues]": _PHASE,
    "linalg.eigvals[real]": _PHASE, "linalg.eigvals[complex]": _PHASE,
    "rgamma[complex rgamma]": rule_table.Bug("SciPy has no trigamma of complex arguments: rgamma's second "
                                             "derivative there is refused", (srcdiff.NonDifferentiableError,)),
    "betainc[shapes a, b]": rule_table.Bug("a second derivative in the incomplete beta's shapes is refused",
                                           (srcdiff.NonDifferentiableError,)),
    "stdtr[df, t]": rule_table.Bug("a second derivative in Student's t cdf's df is refused",
                                   (srcdiff.NonDifferentiableError,)),
    "odeint[adjoint method]": rule_table.Bug("a second derivative through scipy.integrate.odeint is refused",
                                             (srcdiff.NonDifferentiableError,)),
}


def rule_hvp_params():
    """One differentiated argument per rule-table case (to keep the file fast): the cases of one
    primitive take its arguments in turn (x, then y, then x, ...)."""
    out = []
    turn = {}  # id(primitive) -> how many of its cases were taken
    for c in rule_table.CASES:
        if "ties" in c.label:
            continue  # the gradient jumps at a tie: no second derivative to compare with
        _, positions, names, values = wrt_info(c.fun, c.wrt, c.args)
        eligible = [(pos, name) for pos, name, x in zip(positions, names, values) if not is_container(x)]
        if not eligible:
            continue  # hvp takes float and array arguments
        k = turn.get(id(c.prim), 0)
        turn[id(c.prim)] = k + 1
        pos, name = eligible[k % len(eligible)]
        bug = RULE_FORWARD_BUGS.get((c.prim, c.label)) or RULE_HVP_BUGS.get(c.id) or c.bug
        out.append(pytest.param(c, pos, id="%s-%s" % (c.id, name), marks=[bug.mark()] if bug else []))
    return out


@pytest.mark.parametrize("c, pos", rule_hvp_params())
def test_rule_hvp_matches_finite_differences(c, pos):
    x = c.args[pos]
    v = random_like(x, np.random.default_rng(13))
    Hv = srcdiff.hvp(c.fun, wrt=pos)(*copy.deepcopy(tuple(c.args)), copy.deepcopy(v))
    g = srcdiff.grad(c.fun, wrt=pos)
    step = FD_EPS * max(1.0, float(np.max(np.abs(x))))

    def at(h):
        new = list(copy.deepcopy(c.args))
        new[pos] = moved(x, h, v)
        return np.asarray(g(*new))
    assert_close_fd(Hv, (at(step) - at(-step)) / (2 * step), "hvp of %s" % c.id)


# =================================================================== 4. Jacobians


def jac_elementwise(x):
    return np.sin(x) * x + np.exp(-x ** 2)


def jac_layer(A, x):
    return np.tanh(A @ x + 0.1)


def jac_euler(y0, k):
    y = y0
    for _ in range(20):
        y = y + 0.05 * (-k * y + np.sin(y[::-1]))
    return y


def jac_branch(x):
    if np.sum(x) > 0:
        out = np.tanh(x) * 2.0
    else:
        out = x ** 3 + x
    return out


def jac_outer_squared(x, w):
    return np.outer(x, w) ** 2


def jac_curve(t):
    return np.array([np.cos(t), np.sin(t), t * t])


def jac_stacked_powers(x):
    rows = []
    for k in range(1, 4):
        rows.append(x ** k / k)
    return np.stack(rows)


def jac_softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def jac_scalar(x):
    return np.sum(x ** 3)


JACOBIAN_CASES = [
    ("elementwise", jac_elementwise, lambda: (np.array([0.3, -1.2, 0.8, 2.0]),), 0),
    ("layer_wrt_A", jac_layer, lambda: (np.arange(12.0).reshape(3, 4) / 10 - 0.5, np.array([0.3, -1.0, 0.5, 0.2])), 0),
    ("layer_wrt_both", jac_layer,
     lambda: (np.arange(12.0).reshape(3, 4) / 10 - 0.5, np.array([0.3, -1.0, 0.5, 0.2])), (0, 1)),
    ("euler_loop", jac_euler, lambda: (np.array([1.0, -0.5, 0.3]), 0.7), (0, 1)),
    ("branch_pos", jac_branch, lambda: (np.array([0.5, 0.3, -0.2]),), 0),
    ("branch_neg", jac_branch, lambda: (np.array([-0.5, 0.3, -0.2]),), 0),
    ("matrix_output", jac_outer_squared, lambda: (np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.3, -0.7, 0.2])),
     (0, 1)),
    ("float_input", jac_curve, lambda: (0.7,), 0),
    ("loop_stack", jac_stacked_powers, lambda: (np.array([0.5, -1.5]),), 0),
    ("softmax", jac_softmax, lambda: (np.array([0.1, 2.0, -1.0, 0.5]),), 0),
    ("scalar_output", jac_scalar, lambda: (np.array([[0.5, -1.5], [1.0, 0.2]]),), 0),
]


def fd_jacobian(fun, args, pos):
    x = args[pos]
    xa = np.asarray(x, dtype=float)
    step = FD_EPS * max(1.0, float(np.max(np.abs(xa))))
    out_shape = np.shape(fun(*copy.deepcopy(args)))
    J = np.zeros(out_shape + xa.shape)
    for idx in np.ndindex(*xa.shape):
        vals = []
        for sign in (1.0, -1.0):
            shifted = xa.copy()
            shifted[idx] += sign * step
            new = list(copy.deepcopy(args))
            new[pos] = float(shifted) if isinstance(x, float) else shifted
            vals.append(np.asarray(fun(*new), dtype=float))
        J[(Ellipsis,) + idx] = (vals[0] - vals[1]) / (2 * step)
    return J


JACOBIAN_REVERSE_BUGS = {}


def jacobian_params(bugs=None):
    return [pytest.param(*c, id=c[0], marks=[bugs[c[0]].mark()] if bugs and c[0] in bugs else [])
            for c in JACOBIAN_CASES]


def jacobian_blocks(fun, wrt, make, mode):
    transform = srcdiff.jacobian(fun, wrt=wrt) if mode is None else srcdiff.jacobian(fun, wrt=wrt, mode=mode)
    J = transform(*make())
    single, positions, names, values = wrt_info(fun, wrt, make())
    if single:
        return [J]
    assert type(J) is tuple and len(J) == len(positions), "wrt=%r: got %r" % (wrt, type(J))
    return list(J)


@pytest.mark.parametrize("name, fun, make, wrt", jacobian_params())
def test_forward_jacobian_matches_finite_differences(name, fun, make, wrt):
    single, positions, names, values = wrt_info(fun, wrt, make())
    out_shape = np.shape(fun(*make()))
    for pos, pname, x, J in zip(positions, names, values, jacobian_blocks(fun, wrt, make, "forward")):
        assert np.shape(J) == out_shape + np.shape(x), "d/d%s: shape %s, expected %s" % (
            pname, np.shape(J), out_shape + np.shape(x))
        assert_close_fd(J, fd_jacobian(fun, make(), pos), "d/d%s forward" % pname)


@pytest.mark.parametrize("name, fun, make, wrt", jacobian_params(JACOBIAN_REVERSE_BUGS))
def test_reverse_jacobian_matches_forward(name, fun, make, wrt):
    single, positions, names, values = wrt_info(fun, wrt, make())
    out_shape = np.shape(fun(*make()))
    forward = jacobian_blocks(fun, wrt, make, "forward")
    reverse = jacobian_blocks(fun, wrt, make, "reverse")
    default = jacobian_blocks(fun, wrt, make, None)
    for pname, x, f, r, d in zip(names, values, forward, reverse, default):
        assert np.shape(r) == out_shape + np.shape(x), "d/d%s: shape %s, expected %s" % (
            pname, np.shape(r), out_shape + np.shape(x))
        assert_close(r, f, "d/d%s reverse vs forward" % pname)
        np.testing.assert_array_equal(d, r, err_msg="the default mode is reverse")


def test_pullback_can_be_called_twice():
    """jacobian(mode="reverse") calls one pullback once per output entry: the tape must survive."""
    x = np.array([0.5, 1.0])
    _, pullback = srcdiff.vjp(loop_of_sines)(x)
    first = pullback(np.array([1.0, 0.0]))
    second = pullback(np.array([0.0, 1.0]))
    y = x
    d = np.ones(2)
    for _ in range(3):
        d = d * np.cos(y)
        y = np.sin(y)
    np.testing.assert_allclose(first + second, d, rtol=1e-12)


def loop_of_sines(x):
    y = x
    for _ in range(3):
        y = np.sin(y)
    return y


def test_jacobian_rows_are_vjps_and_columns_are_jvps():
    A, x = np.arange(12.0).reshape(3, 4) / 10 - 0.5, np.array([0.3, -1.0, 0.5, 0.2])
    J = srcdiff.jacobian(jac_layer, wrt=1, mode="forward")(A, x)
    t = np.array([1.0, -2.0, 0.5, 0.25])
    _, tout = srcdiff.jvp(jac_layer, (A, x), t, wrt=1)
    assert_close(J @ t, tout, "J t")
    v = np.array([0.5, 1.0, -1.0])
    _, pullback = srcdiff.vjp(jac_layer, wrt=1)(A, x)
    assert_close(v @ J, pullback(v), "v J")


# =================================================================== 5. bad input


def square_sum(x):
    return np.sum(x ** 2)


def twice(x):
    return x * 2


def vector_valued(x):
    return np.sin(x)


def dict_params(p, x):
    return np.sum(p["w"] * x) + p["b"]


def list_params(ps, x):
    return np.sum(ps[0] * x) + ps[1]


def nested_params(layers, x):
    h = x
    for W, b in layers:
        h = np.tanh(W @ h + b)
    return np.sum(h)


X3 = np.array([1.0, -2.0, 0.5])


@pytest.mark.parametrize("tangent", [np.ones(2), np.ones((3, 1)), np.ones((1, 3)), 1.0, np.ones(4)],
                         ids=["(2,)", "(3,1)", "(1,3)", "float", "(4,)"])
def test_tangent_of_wrong_shape(tangent):
    with pytest.raises(srcdiff.ArgumentError, match=r"`x`.*shape"):
        srcdiff.jvp(square_sum, (X3,), tangent)


def test_array_tangent_for_float_argument():
    with pytest.raises(srcdiff.ArgumentError, match="`a`"):
        srcdiff.jvp(corpus.math_on_floats, (0.7, -0.4), (np.ones(3), 1.0), wrt=(0, 1))


def test_tangent_of_wrong_shape_names_the_second_argument():
    with pytest.raises(srcdiff.ArgumentError, match="`x`"):
        srcdiff.jvp(list_params, ([np.ones(3), 0.5], X3), ([np.ones(3), 1.0], np.ones(2)), wrt=(0, 1))


@pytest.mark.parametrize("fun", [square_sum, twice], ids=["sum(x**2)", "x*2"])
def test_list_tangent_for_array_argument(fun):
    """A list tangent has the array's shape but not its type (for `x * 2` the generated code would
    repeat the list)."""
    with pytest.raises(srcdiff.ArgumentError, match="`x`"):
        srcdiff.jvp(fun, (X3,), [1.0, 1.0, 1.0])


def test_array_tangent_for_list_argument():
    with pytest.raises(srcdiff.ArgumentError, match="`ps`"):
        srcdiff.jvp(list_params, ([np.ones(3), 0.5], X3), np.ones(3))


def test_list_tangent_of_wrong_length():
    with pytest.raises(srcdiff.ArgumentError, match="`ps`.*2 items"):
        srcdiff.jvp(list_params, ([np.ones(3), 0.5], X3), [np.ones(3)])


@pytest.mark.parametrize("tangent", [{"w": np.ones(3), "c": 1.0}, {"w": np.ones(3)},
                                     {"w": np.ones(3), "b": 1.0, "extra": 0.0}, np.ones(3), [np.ones(3), 1.0]],
                         ids=["renamed key", "missing key", "extra key", "array", "list"])
def test_dict_tangent_with_wrong_keys(tangent):
    with pytest.raises(srcdiff.ArgumentError, match=r"`p`.*keys \['b', 'w'\]"):
        srcdiff.jvp(dict_params, ({"w": np.ones(3), "b": 0.5}, X3), tangent)


def test_dict_tangent_leaf_of_wrong_shape():
    with pytest.raises(srcdiff.ArgumentError, match=r"`p\['w'\]`.*\(2,\).*\(3,\)"):
        srcdiff.jvp(dict_params, ({"w": np.ones(3), "b": 0.5}, X3), {"w": np.ones(2), "b": 1.0})


def test_nested_tangent_leaf_of_wrong_shape():
    layers = [(0.5 * np.eye(3), np.zeros(3)), (0.3 * np.ones((2, 3)), np.ones(2))]
    good = [(np.ones((3, 3)), np.ones(3)), (np.ones((2, 3)), np.ones(2))]
    srcdiff.jvp(nested_params, (layers, X3), good)
    bad = [(np.ones((3, 3)), np.ones(3)), (np.ones((2, 3)), np.ones(3))]
    with pytest.raises(srcdiff.ArgumentError, match=r"`layers\[1\]\[1\]`.*\(3,\).*\(2,\)"):
        srcdiff.jvp(nested_params, (layers, X3), bad)


def test_wrong_number_of_tangents():
    with pytest.raises(srcdiff.ArgumentError, match="2 tangents, got 1"):
        srcdiff.jvp(list_params, ([np.ones(3), 0.5], X3), ([np.ones(3), 1.0],), wrt=(0, 1))


def test_hvp_vector_of_wrong_shape():
    with pytest.raises(srcdiff.ArgumentError, match=r"`x`.*shape"):
        srcdiff.hvp(square_sum)(X3, np.ones(2))


def test_forward_function_checks_its_tangents():
    with pytest.raises(srcdiff.ArgumentError, match="`x`"):
        srcdiff.forward(square_sum)(X3, t_x=np.ones(2))


@pytest.mark.parametrize("call", [lambda: srcdiff.hessian(vector_valued)(X3),
                                  lambda: srcdiff.hvp(vector_valued)(X3, np.ones(3))], ids=["hessian", "hvp"])
def test_second_derivative_of_non_scalar_function(call):
    with pytest.raises(srcdiff.SrcdiffError) as info:
        call()
    msg = str(info.value)
    assert "vector_valued" in msg and "scalar" in msg and "(3,)" in msg, msg


@pytest.mark.parametrize("call", [lambda: srcdiff.grad(square_sum, mode="fwd"),
                                  lambda: srcdiff.grad(mode="fwd"),
                                  lambda: srcdiff.jacobian(vector_valued, mode="fwd"),
                                  lambda: srcdiff.jacobian(vector_valued, mode="Forward")],
                         ids=["grad", "grad-decorator", "jacobian", "jacobian-capitalized"])
def test_misspelled_mode(call):
    with pytest.raises(srcdiff.ArgumentError) as info:
        call()
    assert "reverse" in str(info.value) and "forward" in str(info.value)


@pytest.mark.parametrize("transform", [lambda f: srcdiff.grad(f, mode="forward"),
                                       lambda f: srcdiff.jacobian(f, mode="forward")], ids=["grad", "jacobian"])
def test_forward_mode_refuses_container_arguments(transform):
    with pytest.raises(srcdiff.ArgumentError, match="reverse mode"):
        transform(list_params)([np.ones(3), 0.5], X3)


def test_forward_grad_of_non_scalar_function():
    with pytest.raises(srcdiff.SrcdiffError, match="scalar"):
        srcdiff.grad(vector_valued, mode="forward")(X3)


def test_hessian_takes_one_argument():
    with pytest.raises(srcdiff.ArgumentError):
        srcdiff.hessian(list_params, wrt=(0, 1))


# =================================================================== 6. symbolic zeros


def data_path(w, X):
    return np.sum(np.tanh(X @ w))


def identifiers(source):
    return set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", source))


def test_inactive_data_argument_has_no_tangent():
    w, X = np.array([0.5, -1.0]), np.arange(6.0).reshape(3, 2)
    tf = srcdiff.forward(data_path, wrt=0)
    source = tf.source_for(w, X)
    names = identifiers(source)
    assert "t_X" not in names, source
    assert "zeros_like" not in source and "zeros" not in source, source
    assert tf.tangent_params == ["t_w"]
    # the tangent of X @ w is X @ t_w: no term for X
    assert re.search(r"= X @ t_w\b", source), source
    value, tout = tf(w, X, t_w=np.array([1.0, 0.0]))
    assert tout == pytest.approx(np.sum((1 - np.tanh(X @ w) ** 2) * X[:, 0]))


@pytest.mark.parametrize("name, wrt, inactive", [
    ("logistic_regression", 0, ["b", "X", "y"]),
    ("mlp_tanh_mse", 0, ["b1", "W2", "b2", "X", "Y"]),
    ("uses_module_globals", 0, ["X", "feats"]),
    ("for_over_rows", 1, ["X", "row", "seq"]),
])
def test_inactive_values_have_no_tangent_variables(name, wrt, inactive):
    case = BY_NAME[name]
    source = srcdiff.forward(case.fun, wrt=wrt).source_for(*case.make())
    names = identifiers(source)
    present = sorted("t_" + n for n in inactive if "t_" + n in names)
    assert not present, "tangent variables for inactive values %s in\n%s" % (present, source)
    assert "zeros_like" not in source, source


def test_loop_carried_value_gets_one_explicit_zero():
    """rnn_loss wrt Wx: the inputs xs, the bias and the target stay inactive; only the hidden state
    (initialized from np.zeros, then carried around the loop) needs an explicit zero tangent."""
    case = BY_NAME["rnn_loss"]
    source = srcdiff.forward(case.fun, wrt=0).source_for(*case.make())
    names = identifiers(source)
    for n in ("t_xs", "t_x", "t_seq", "t_b", "t_Wh", "t_target"):
        assert n not in names, source
    assert source.count("zeros_like") == 1 and re.search(r"t_h = zeros_like\(h\)", source), source


def test_inactive_output_has_zero_tangent():
    """The output does not depend on w: its tangent is zero, shaped like the output."""
    _, tout = srcdiff.jvp(vector_valued_of_data, (np.array([0.5, -1.0]), np.ones(3)), np.ones(2))
    np.testing.assert_array_equal(tout, np.zeros(3))


def vector_valued_of_data(w, X):
    return X * 2.0


def doubled_sum(x):
    return np.sum(x + x)


def doubled_list_sum(xs):
    return np.sum(xs[0] + xs[0]) + np.sum(xs[1] + xs[1])


def test_integer_and_boolean_tangents_count_as_floats():
    """``np.array([1, 0])`` is a fine direction; added to itself as booleans it would be or-ed, and
    as small integers it could wrap around: tangents are taken as floats."""
    x = np.ones(2)
    assert srcdiff.jvp(doubled_sum, (x,), np.array([True, True]))[1] == 4.0
    assert srcdiff.jvp(doubled_sum, (x,), np.array([1, 0]))[1] == 2.0
    assert srcdiff.jvp(doubled_sum, (x,), np.array([200, 100], dtype=np.uint8))[1] == 600.0
    tangent_function = srcdiff.forward(doubled_sum)  # the generated function called directly: the same
    assert tangent_function(x, t_x=np.array([True, True]))[1] == 4.0
    assert tangent_function(x, t_x=np.array([200, 100], dtype=np.uint8))[1] == 600.0
    assert srcdiff.jvp(doubled_list_sum, ([x, x],), [np.array([True, True]), np.array([1, 0])])[1] == 6.0
