"""The passes of every mode, in order, as data: ``srcdiff show --stages`` prints one stage each."""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass

from . import ir
from .analysis.aliases import check_writes, mutated_parameters
from .analysis.complexity import complex_sources
from .analysis.shapes import SCALAR, Shapes
from .errors import NonDifferentiableError, UnsupportedSyntaxError, located
from .front import (bindings, callee_inlining, copies, local_functions, maps, reader, reductions, same_object, syntax,
                    unpacking)
from .lower import control, joins, normalize, redefinitions, stats_calls
from .lower.ops import Classifier
from .modes import tape_parts
from .optimize import finish
from .rules.registry import shape_kind
from .runtime.helpers import as_sequence, format_text, private_copy, raise_error, raise_from, require_pair


@dataclass(frozen=True)
class Pass:
    """One named pass: ``run(tree, job)`` returns the rewritten tree; ``when(job)``: it applies."""

    name: str
    run: object
    when: object = None


def run_passes(passes, tree, job):
    """``tree`` through ``passes``, each recorded as a stage of ``job``."""
    for p in passes:
        if p.when is None or p.when(job):
            tree = p.run(tree, job)
            job.record(p.name, tree)
    return tree


# ------------------------------------------------------------------ every mode: lowering

# before the context is made (its names are those of the rewritten tree): ``run(tree, source, target)``,
# where ``when(target)``
SOURCE = (
    Pass("inline callees (compiled targets)", callee_inlining.run, lambda target: target.inline_callees),
    Pass("inline callees with *args or **kwargs", callee_inlining.run_varargs),
    Pass("reduce as loops", lambda tree, source, target: reductions.lower(tree, source.fn)),
    Pass("map as generator expressions", lambda tree, source, target: maps.lower(tree, source.fn)),
    Pass("fixed unpackings", lambda tree, source, target: unpacking.rewrite(tree)),
    Pass("inline local functions", lambda tree, source, target: local_functions.inline(tree, source.filename)),
)

FRONT = (
    Pass("calls through dicts", lambda tree, job: bindings.dict_entry_calls(tree, job.ctx)),
    Pass("dict copies", lambda tree, job: copies.rewrite(tree, job.ctx)),
    Pass("same-object names", lambda tree, job: same_object.rewrite(tree)),
    Pass("normalize", lambda tree, job: normalize.normalize(tree, job.ctx)),
    # only code that imported scipy.stats can call it
    Pass("scipy.stats calls", lambda tree, job: stats_calls.rewrite(tree, job.ctx) if "scipy.stats" in sys.modules
         else tree),
    Pass("structure jumps", lambda tree, job: control.structure(tree, job.ctx)),
    Pass("list joins", lambda tree, job: joins.rewrite(tree, job.ctx)),
)


# ------------------------------------------------------------------ reverse mode: preparation


def copy_written_arguments(tree, job):
    """Arguments the function writes into get a private copy first: callers' arrays never change."""
    ctx = job.ctx
    if job.reverse:
        refuse_taped_generated_code(tree, ctx)
    written = mutated_parameters(tree, Classifier(ctx))
    if not written:
        return tree
    name = ctx.bind("private_copy", private_copy)
    copies = [ir.Assign([ir.Name(p)], ir.Call(ir.Name(name), [ir.Name(p)], []), tree.line) for p in written]
    return ir.FunctionDef(tree.name, tree.params, copies + list(tree.body), tree.line)


def rename_redefinitions(tree, job):
    """A name redefined at the top level gets a new name from there on; then writes into arrays
    that might change a view still in use are refused (``analysis/aliases.py``)."""
    ctx = job.ctx
    tree = redefinitions.rename_redefinitions(tree, ctx)
    ctx.locals = reader.local_names(tree)
    check_writes(tree, Classifier(ctx), ctx, number_test(tree, ctx, job.scalars))
    # grad refuses complex outputs: its caller checks the arguments these come from, or the output
    if (job.kind == "grad" or job.check_real) and not job.has_aux:
        job.complex_from = complex_sources(tree, ctx.resolve, namespace=getattr(job.fn, "__globals__", None))
    return tree


def split_aux(tree, job):
    """For ``has_aux``: unpack the returned ``(loss, aux)`` so only ``loss`` is differentiated."""
    ctx = job.ctx
    body = list(tree.body)
    ret = body[-1]
    for s in reversed(body[:-1]):  # ``return loss, aux`` builds a tuple: seed its first element
        if isinstance(s, ir.Assign) and isinstance(ret.value, ir.Name) and \
                ir.target_names(s.targets[0]) == [ret.value.id]:
            if isinstance(s.value, ir.Tuple) and len(s.value.elts) == 2 and isinstance(s.value.elts[0], ir.Name):
                job.seeds = [s.value.elts[0].id]
                return tree
            break
    loss, aux = ir.Name(ctx.namer.fresh("loss")), ir.Name(ctx.namer.fresh("aux"))
    check = ir.ExprStmt(ir.Call(ir.Name(ctx.bind("require_pair", require_pair)),
                                [copy.deepcopy(ret.value), ir.Const(tree.name)], []), ret.line)
    unpack = ir.Assign([ir.Tuple([loss, aux])], ret.value, ret.line)
    body[-1:] = [check, unpack, ir.Return(ir.Tuple([ir.Name(loss.id), ir.Name(aux.id)]), ret.line)]
    ctx.locals |= {loss.id, aux.id}
    job.seeds = [loss.id]
    return ir.FunctionDef(tree.name, tree.params, body, tree.line)


REVERSE = (
    Pass("copy written arguments", copy_written_arguments),
    Pass("rename redefinitions", rename_redefinitions),
    Pass("split aux", split_aux, when=lambda job: job.has_aux),
    # these four need the reverse walk's analyses, which ``job.walker`` keeps up to date
    Pass("keep branch decisions", lambda tree, job: job.walker(tree).keep_branch_decisions(tree)),
    Pass("count trips", lambda tree, job: job.walker(tree).count_trips(tree)),
    Pass("call forward functions", lambda tree, job: job.walker(tree).call_forward_functions(tree)),
    Pass("split self-overwrites", lambda tree, job: job.walker(tree).split_self_overwrites(tree)),
)
# then (pipeline.reverse): the sweeps, one function or a forward/backward pair, then CLEANUP
REVERSE_SWEEPS = ("forward sweep", "reverse sweep", "batch loop sums", "assemble")


# ------------------------------------------------------------------ forward mode: preparation


def split_overwrites(tree, job):
    """``x = x * a`` becomes ``x2 = x * a; x = x2``: the tangent statement, which follows the primal
    one, reads the old ``x`` (and the result ``x2``). Writes into arguments were checked first."""
    ctx = job.ctx
    # what reverse mode refuses, forward mode would get wrong; generated code and srcdiff's kernels
    # write only into arrays of their own
    if not ctx.filename.startswith("<srcdiff ") and not (getattr(job.fn, "__module__", "") or "").startswith(
            "srcdiff."):
        check_writes(tree, Classifier(ctx), ctx, number_test(tree, ctx, job.scalars))
    classify = Classifier(ctx)

    def block(stmts):
        out = []
        for s in stmts:
            if isinstance(s, (ir.If, ir.For, ir.While)):
                s = copy.copy(s)
                s.body = block(s.body)
                s.orelse = block(s.orelse)
                out.append(s)
                continue
            op = classify(s) if isinstance(s, ir.Assign) else None
            if op is not None and op.kind == "rule" and isinstance(op.target, ir.Name) and \
                    _tangent_reads_old(op, op.target.id):
                fresh = ctx.namer.fresh(op.target.id)
                ctx.locals.add(fresh)
                out.append(ir.Assign([ir.Name(fresh)], s.value, s.line))
                out.append(ir.Assign([ir.Name(op.target.id)], ir.Name(fresh), s.line))
                continue
            out.append(s)
        return out
    return ir.FunctionDef(tree.name, tree.params, block(tree.body), tree.line)


FORWARD = (
    Pass("copy written arguments", copy_written_arguments),  # and, through private_copy's rule, tangents
    Pass("split overwrites", split_overwrites),
)
FORWARD_SWEEPS = ("tangent statements",)


# ------------------------------------------------------------------ every mode: cleanup

CLEANUP = (
    Pass("drop empty blocks", finish.drop_empty),
    Pass("inline temporaries", finish.inline_temporaries),
    Pass("drop dead code", finish.drop_dead_code),
    Pass("floating gradients", finish.floating_gradients),
    Pass("specialize helpers", finish.specialize_helpers),
    Pass("share views", finish.share_views),
    Pass("merge factors", finish.merge_factors),
    Pass("fold negations", finish.fold_negations),
    Pass("merge slice writes", finish.merge_slice_writes),
    Pass("factor powers of two", finish.factor_powers_of_two),
    Pass("float constants", finish.float_constants),
    Pass("drop dead code again", finish.drop_dead_code),
    Pass("propagate copies", finish.propagate_copies),
    Pass("store first writes", finish.store_first_writes),
    Pass("reuse memory", finish.reuse_memory),
    Pass("skip dead last trip", finish.skip_dead_last_trip),
)


def run_cleanup(functions, facts, record):
    """Each generated function's body through CLEANUP (``facts``: one ``finish.Facts`` each)."""
    for p in CLEANUP:
        functions = [ir.FunctionDef(f.name, f.params, p.run(f.body, fa), f.line) for f, fa in zip(functions, facts)]
        record(p.name, functions)
    return functions


def stage_names(mode, has_aux=False, target=None):
    """The stages ``--stages`` prints for ``mode`` ("reverse" or "forward"), in order (for ``target``,
    NumPy by default)."""
    from .backend.targets import NUMPY
    prepare, sweeps = (REVERSE, REVERSE_SWEEPS) if mode == "reverse" else (FORWARD, FORWARD_SWEEPS)
    names = [p.name for p in prepare if p.name != "split aux" or has_aux]
    source = [p.name for p in SOURCE if p.when is None or p.when(target or NUMPY)]
    return ["source"] + source + [p.name for p in FRONT] + names + list(sweeps) + [p.name for p in CLEANUP] + \
        ["generated"]


# ------------------------------------------------------------------ refusals and tests the passes use


def refuse_lowering_names(fn, source):
    """Lowered code calls ``raise_error``, ``format_text`` and ``as_sequence``: a function naming one itself
    for something else would have its own taken for srcdiff's (or the other way round). Generated code,
    differentiated again, names srcdiff's own helpers: those are fine."""
    ours = {normalize.SEQUENCE_HELPER: as_sequence, syntax.RAISE: raise_error, syntax.RAISE_FROM: raise_from,
            syntax.FORMAT: format_text}
    cells = dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__ or ())))
    clash = []
    stack = [fn.__code__]
    while stack:
        code = stack.pop()
        stack.extend(c for c in code.co_consts if hasattr(c, "co_names"))
        clash += [n for n in code.co_varnames + code.co_cellvars if n in ours]
        clash += [n for n in code.co_names + code.co_freevars if n in ours and
                  cells.get(n, fn.__globals__.get(n)) is not ours[n]]
    if clash:
        raise UnsupportedSyntaxError(located(
            source.filename, source.tree.line, "def %s(...):" % source.tree.name,
            "`%s` is the name srcdiff's generated code gives a helper of its own" % clash[0],
            "Rename `%s` in your code." % clash[0]))


def refuse_taped_generated_code(tree, ctx):
    """Reverse mode over a generated gradient that adds into an array in place (``add_at``, the
    adjoint of a fancy-index read) is refused, with the forward-over-reverse way out. (Its tapes,
    lists pushed and popped, are differentiated: ``tape_parts.stacks``.)"""
    if not ctx.filename.startswith("<srcdiff "):
        return
    classify = Classifier(ctx)
    stacks = tape_parts.stacks(tree, classify)
    for s in ir.walk(tree):
        op = classify(s) if isinstance(s, (ir.Assign, ir.ExprStmt)) else None
        if op is not None and op.kind in ("pop", "append") and isinstance(op.source, ir.Name) and \
                op.source.id not in stacks and (op.kind == "pop" or op.source.id.startswith("tape")):
            raise NonDifferentiableError(located(
                ctx.filename, s.line, ctx.origin_text.get(s.line, ""),
                "reverse mode over a generated gradient that keeps a tape it hands on to another function (a "
                "callee's split forward and backward functions) is not supported",
                "For second derivatives use srcdiff.hessian, srcdiff.hvp or "
                "srcdiff.jacobian(srcdiff.grad(f), mode='forward') (forward mode over the gradient)."))
        if op is not None and op.kind == "scatter":
            raise NonDifferentiableError(located(
                ctx.filename, s.line, ctx.origin_text.get(s.line, ""),
                "reverse mode over a generated gradient that adds into an array through an index (np.add.at, "
                "for an index that may repeat) is not supported",
                "For second derivatives use srcdiff.hessian, srcdiff.hvp or "
                "srcdiff.jacobian(srcdiff.grad(f), mode='forward') (forward mode over the gradient)."))


def _tangent_reads_old(op, name):
    """Does the tangent rule of ``name = f(..., name, ...)`` read the old value of ``name``?
    (``x = x * a`` does; ``x = x + v`` does not, nor ``x = np.exp(x)``, which reads only the result.)"""
    template = op.rule.tangent
    if template is None:
        return False
    read = template.reads_primal_of - {template.result}
    return any(isinstance(atom, ir.Name) and atom.id == name for p, atom in op.binding.items() if p in read)


def number_test(tree, ctx, scalars):
    """``is_number(name, stmt)`` for ``check_writes``, from the shape analysis."""
    if not ctx.inplace:
        return None
    shapes = Shapes(tree, Classifier(ctx), ctx, frozenset(scalars), shape_kind)
    return lambda name, stmt: shapes.of(ir.Name(name), stmt) == SCALAR
