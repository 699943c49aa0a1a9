"""Rules for srcdiff's own runtime helpers and kernels, so generated code is valid srcdiff input
(a Hessian is the forward-mode derivative of a generated gradient)."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from .. import ir
from ..runtime import helpers as runtime
from ..runtime.helpers import (add, broadcast_like, expand, floating, own_list, owned, real_for, reduced,
                               require_pair, require_real, require_scalar, snapshot, unbroadcast, zeros_like)
from ..runtime import kernels
from ..runtime.kernels_batched import matmul_lhs_sum, matmul_rhs_sum, unbroadcast_sum
from ..runtime.kernels import (cumsum_adjoint, diag_adjoint, diff_adjoint, dot_lhs, dot_rhs, expand_scaled, fan_out,
                               inner_lhs, inner_rhs, matmul_lhs, matmul_rhs, solve_adjoint_a, split_like, tensordot_lhs,
                               tensordot_rhs, trace_adjoint, unstack)
from .facts import helpers, kernel
from .registry import adjoint, bilinear, nondifferentiable, tangent

# ---------------------------------------------------------- linear in the first argument


@adjoint(unbroadcast)
def unbroadcast_(y, g, x):
    d[g] = broadcast_like(d[y], g)


@tangent(unbroadcast)
def unbroadcast_(y, g, x):
    t[y] = unbroadcast(t[g], x)


@adjoint(broadcast_like)
def broadcast_like_(y, value, x):
    d[value] = unbroadcast(d[y], value)


@tangent(broadcast_like)
def broadcast_like_(y, value, x):
    t[y] = broadcast_like(t[value], x)


@adjoint(expand)
def expand_(y, g, x, axis=None, keepdims=False):
    d[g] = runtime.reduce_like(d[y], g, axis, keepdims)


@tangent(expand)
def expand_(y, g, x, axis=None, keepdims=False):
    t[y] = expand(t[g], x, axis, keepdims)


@adjoint(runtime.popped_adjoint)  # ``g`` itself, or zero
def popped_adjoint_(y, g, like):
    d[g] = d[y]


@tangent(runtime.popped_adjoint)
def popped_adjoint_(y, g, like):
    t[y] = runtime.popped_adjoint(t[g], like)


@adjoint(owned, runtime.floating)  # the same values (a copy, or a float version): the adjoint passes through
def identity_(y, g):
    d[g] = d[y]


@tangent(runtime.floating)
def floating_(y, g):
    t[y] = runtime.floating(t[g])


@tangent(owned)
def owned_(y, g):
    t[y] = owned(t[g])


@tangent(runtime.written_part)
def written_part_(y, g, index):
    t[y] = runtime.written_part(t[g], index)  # linear in g


@adjoint(runtime.total)
def total_(y, g):
    d[g] = expand(d[y], g)


@tangent(runtime.total)
def total_(y, g):
    t[y] = runtime.total(t[g])


@adjoint(snapshot, runtime.detached)  # copies of the value: the adjoint passes through
def copied_(y, value):
    d[value] = d[y]


@tangent(snapshot)
def snapshot_(y, value):
    t[y] = snapshot(t[value])


@tangent(runtime.detached)
def detached_(y, value):
    t[y] = runtime.detached(t[value])


@adjoint(add)
def add_(y, a, b):
    d[a] = d[y]
    d[b] = d[y]


@tangent(add)
def add_(y, a, b):
    t[y] = add(t[a], t[b])


@tangent(expand_scaled)
def expand_scaled_(out, g, a, y, axis=None, keepdims=False):
    t[out] = expand_scaled(t[g], a, y, axis, keepdims)


@tangent(cumsum_adjoint)
def cumsum_adjoint_(y, g, a, axis=None):
    t[y] = cumsum_adjoint(t[g], a, axis)


@tangent(diff_adjoint)
def diff_adjoint_(y, g, n=1, axis=-1):
    t[y] = diff_adjoint(t[g], n, axis)


@tangent(trace_adjoint)
def trace_adjoint_(y, g, a, offset=0, axis1=0, axis2=1):
    t[y] = trace_adjoint(t[g], a, offset, axis1, axis2)


@tangent(diag_adjoint)
def diag_adjoint_(y, g, v, k=0):
    t[y] = diag_adjoint(t[g], v, k)


@tangent(split_like)
def split_like_(y, g, parts, axis=0):
    t[y] = split_like(t[g], parts, axis)


@tangent(unstack)
def unstack_(y, g, axis=0):
    t[y] = unstack(t[g], axis)


@tangent(fan_out)
def fan_out_(y, g, items):
    t[y] = fan_out(t[g], items)


# ------------------------------------------------------------- bilinear products


# matmul_lhs(g, a, b) is g @ b.T and matmul_rhs(g, a, b) is a.T @ g (with NumPy's promotions):
# each is linear in g and in its other matrix, so its adjoints are matmuls again (reverse over reverse)
@bilinear(matmul_lhs)
def matmul_lhs_(y, g, a, b):
    y = matmul_lhs(g, a, b)
    d[g] = numpy.matmul(d[y], b)
    d[b] = matmul_rhs(g, d[y], b)


@bilinear(matmul_rhs)
def matmul_rhs_(y, g, a, b):
    y = matmul_rhs(g, a, b)
    d[g] = numpy.matmul(a, d[y])
    d[a] = matmul_lhs(g, a, d[y])


# what the passes over generated code know of the two kernels (rules.facts): a reverse loop that adds
# them up step by step adds up the gathered operands once after it (batching), and for operands of
# ranks 1 and 2 they are written out as a product (specialize; one form per (rank of a, rank of b))
kernel(matmul_lhs, batched=(matmul_lhs_sum, 1, ("g", "x")),
       by_rank={(2, 2): lambda g, a, b, np: ir.BinOp("@", g, ir.Attr(b, "T")),
                (2, 1): lambda g, a, b, np: ir.Call(ir.Attr(np, "outer"), [g, b], []),
                (1, 2): lambda g, a, b, np: ir.BinOp("@", b, g)})
kernel(matmul_rhs, batched=(matmul_rhs_sum, 2, ("g", "x")),
       by_rank={(2, 2): lambda g, a, b, np: ir.BinOp("@", ir.Attr(a, "T"), g),
                (2, 1): lambda g, a, b, np: ir.BinOp("@", g, a),
                (1, 2): lambda g, a, b, np: ir.Call(ir.Attr(np, "outer"), [a, g], [])})
kernel(unbroadcast, batched=(unbroadcast_sum, 1, ("g",)))


# the sums a batched reverse loop computes after it (kernels_batched): linear in the gathered g's
# and in the other gathered operand. No adjoint: reverse mode over a generated gradient that keeps
# per-step lists is refused like one that keeps a tape (transform._refuse_taped_generated_code).
@tangent(matmul_lhs_sum)
def matmul_lhs_sum_(y, gs, a, bs):
    t[y] = matmul_lhs_sum(t[gs], a, bs) + matmul_lhs_sum(gs, a, t[bs])


@tangent(matmul_rhs_sum)
def matmul_rhs_sum_(y, gs, as_, b):
    t[y] = matmul_rhs_sum(t[gs], as_, b) + matmul_rhs_sum(gs, t[as_], b)


@tangent(unbroadcast_sum)
def unbroadcast_sum_(y, gs, x):
    t[y] = unbroadcast_sum(t[gs], x)


@tangent(dot_lhs)
def dot_lhs_(y, g, a, b):
    t[y] = dot_lhs(t[g], a, b) + dot_lhs(g, a, t[b])


@tangent(dot_rhs)
def dot_rhs_(y, g, a, b):
    t[y] = dot_rhs(t[g], a, b) + dot_rhs(g, t[a], b)


@tangent(inner_lhs)
def inner_lhs_(y, g, a, b):
    t[y] = inner_lhs(t[g], a, b) + inner_lhs(g, a, t[b])


@tangent(inner_rhs)
def inner_rhs_(y, g, a, b):
    t[y] = inner_rhs(t[g], a, b) + inner_rhs(g, t[a], b)


@tangent(tensordot_lhs)
def tensordot_lhs_(y, g, a, b, axes):
    t[y] = tensordot_lhs(t[g], a, b, axes) + tensordot_lhs(g, a, t[b], axes)


@tangent(tensordot_rhs)
def tensordot_rhs_(y, g, a, b, axes):
    t[y] = tensordot_rhs(t[g], a, b, axes) + tensordot_rhs(g, t[a], b, axes)


@tangent(solve_adjoint_a)
def solve_adjoint_a_(out, g, y):
    t[out] = solve_adjoint_a(t[g], y) + solve_adjoint_a(g, t[y])


@tangent(kernels.centered)
def centered_(y, a, axis=None):
    t[y] = kernels.centered(t[a], axis)


@tangent(kernels.astype_adjoint)
def astype_adjoint_(out, g, a, y):
    t[out] = kernels.astype_adjoint(t[g], a, y)


nondifferentiable(runtime.raise_error, runtime.raise_from, runtime.format_text)
nondifferentiable(zeros_like, require_scalar, require_real, require_pair, runtime.require_float,
                  runtime.broadcast_count, kernels.extremum_weights, kernels.reduced_count, kernels.transpose_inverse,
                  runtime.shape_of)

# calls of these that nothing reads may be dropped; these always return a new object; and the array
# methods that specialized code calls return new arrays or views
helpers(pure=(unbroadcast, zeros_like, expand, reduced, owned, floating, runtime.popped_adjoint),
        fresh=(zeros_like, add, snapshot, own_list, unstack, split_like, matmul_lhs, matmul_rhs, trace_adjoint,
               cumsum_adjoint, diff_adjoint),
        pure_methods=("sum", "max", "min", "mean", "prod", "reshape"))


@adjoint(real_for)
def real_for_(y, target, value):
    d[value] = d[y]  # real where y is real: the real part's adjoint for a complex value


@tangent(real_for)
def real_for_(y, target, value):
    t[y] = real_for(target, t[value])
