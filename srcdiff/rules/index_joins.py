"""Rules for ``numpy.r_[...]`` and ``numpy.c_[...]`` (normalized to ``index_join`` calls; see the kernels)."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
from ..runtime.kernels_index_joins import FIX, directive_problem, index_join, index_join_adjoint, index_join_tangent
from .registry import adjoint, tangent
from .refusals import refuse_unless


@adjoint(index_join)
def index_join_rule(y, concatenator, items):
    d[items] = [index_join_adjoint(d[y], concatenator, items, i) for i in range(len(items))]


@tangent(index_join)
def index_join_rule(y, concatenator, items):
    t[y] = index_join_tangent(concatenator, items, t[items])


@tangent(index_join_adjoint)
def index_join_adjoint_(out, g, concatenator, items, position):
    t[out] = index_join_adjoint(t[g], concatenator, items, position)


def _check(args):
    for k, item in enumerate(args.get("items") or ()):
        if isinstance(item, str):
            problem = directive_problem(item, k)
            if problem:
                return problem, FIX
    return None


refuse_unless(index_join, _check)
