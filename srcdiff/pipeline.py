"""The pipeline: every pass in order, each one printable for ``srcdiff show --stages``.

fence -> normalize -> structure jumps -> rename redefinitions -> activity -> reverse walk ->
to-be-recorded -> assemble sweeps -> cleanup -> codegen
"""
from __future__ import annotations

import copy
import linecache
import re
import sys
import dataclasses
from dataclasses import dataclass, field

from .modes import batching, tapes
from .front import bindings, fence, generators, local_functions, reader, records, syntax
from .optimize import cleanup, finish
from .backend import codegen
from .backend.targets import NUMPY
from .lower import control, normalize, redefinitions as ssa, stats_calls
from . import gc_pause, ir
from .modes.assemble import _fill_pops, _final_gradient, _forward_sweep, _name_tape, _residuals
from .context import Context, Namer, all_names
from .errors import NonDifferentiableError, UnsupportedSyntaxError, located
from .analysis.aliases import check_writes, mutated_parameters
from .analysis.effects import refuse_hidden_writes
from .analysis.memo import analysed_once
from .analysis.containers import refuse_operators_on_containers
from .analysis.receivers import refuse_untyped_receivers
from .analysis.complexity import complex_sources
from .analysis.shapes import SCALAR, Shapes
from .analysis.tbr import definitely_assigned
from .rules.registry import shape_kind
from .modes.forward import ForwardMode
from .modes.reverse import Adj, ReverseMode
from .lower.ops import atom_names
from .lower.ops import Classifier
from .runtime.helpers import format_text, raise_error, raise_from
from .runtime.helpers import as_sequence, detached, private_copy, require_pair, require_real, require_scalar, where


@dataclass
class Prepared:
    """A user function parsed, fenced and normalized, with its transformation context."""

    ctx: Context
    tree: ir.FunctionDef  # normalized, jumps structured
    original: ir.FunctionDef
    stages: list = field(default_factory=list)  # (stage name, source text)


def _origin_texts(fn_def, source):
    """line -> the statement's text for comments and messages: the user's own line when it holds
    one whole statement, else the statement printed from the tree."""
    texts = {}
    for s in ir.walk(fn_def):
        if isinstance(s, ir.Stmt) and not isinstance(s, ir.FunctionDef) and getattr(s, "line", 0):
            if isinstance(s, (ir.If, ir.For, ir.While)):
                shell = copy.copy(s)
                shell.body, shell.orelse = [], []
                text = syntax.unparse(shell).splitlines()[0]
            else:
                text = _source_line(source, s.line) or " ".join(syntax.unparse(s).split())
            texts.setdefault(s.line, text)
    return texts


def _source_line(source, line):
    """The code on ``line`` of the user's file if it is one complete simple statement."""
    text = linecache.getline(source.filename, line) if source.filename else ""
    code = text.split("#")[0].strip() if "#" in text and "'" not in text and '"' not in text else text.strip()
    if not code or code.endswith(("\\", ":", ",", "(", "[", "{")) or code.startswith(("@", "def ", "return(")):
        return None
    try:
        compile(code, "<line>", "exec")
    except SyntaxError:
        return None
    return code


def prepare(fn, record_stages=False, statics=None, target=NUMPY):
    """Parse, fence and normalize ``fn``; the result is shared by every mode.

    ``statics`` maps parameter names to the functions or modules they are bound to in this
    specialization (``act=np.tanh``, ``xp=np``), so calls through them resolve like calls of globals.
    """
    source = reader.load(fn)
    schemas = {k: v for k, v in (statics or {}).items() if isinstance(v, records.Schema)}
    statics = {k: v for k, v in (statics or {}).items() if k not in schemas}
    source = dataclasses.replace(source, tree=records.rewrite(source.tree, schemas, source.filename))
    source = dataclasses.replace(source, tree=local_functions.inline(source.tree, source.filename))
    _refuse_lowering_names(fn, source)
    source = dataclasses.replace(source, tree=generators.as_list_if_generator(fn, source.tree, source.filename,
                                                                            local_functions.writes_outside))
    fence.check(source.tree, source.filename)
    env = reader.Environment(fn)
    names = all_names(source.tree)
    ctx = Context(source=source, env=env, namer=Namer(names), locals=reader.local_names(source.tree))
    ctx.source_names = names
    ctx.target = target
    ctx.statics = dict(statics or {})
    ctx.statics.update(bindings.local_aliases(source.tree, ctx))  # ``m = np``: resolves like ``np``
    ctx.origin_text = _origin_texts(source.tree, source)
    ctx.helpers[normalize.SEQUENCE_HELPER] = as_sequence
    ctx.helpers.update({syntax.RAISE: raise_error, syntax.RAISE_FROM: raise_from, syntax.FORMAT: format_text})
    ctx.namer.reserve([normalize.SEQUENCE_HELPER, *syntax.LOWERING_HELPERS])
    # how it calls generators, resolved as srcdiff resolves calls (ctx.resolve caches what a node names:
    # so only once every name srcdiff adds is known)
    generators.check(source.tree, ctx)
    stages = []

    def stage(name, tree):
        if record_stages:
            stages.append((name, syntax.unparse(tree)))
        ctx.locals = reader.local_names(tree)
        return tree

    tree = stage("source", source.tree)
    tree = stage("normalize", normalize.normalize(tree, ctx))
    if "scipy.stats" in sys.modules:  # the stage shows only where it rewrote scipy.stats calls
        rewritten = stats_calls.rewrite(tree, ctx)
        if rewritten is not tree:
            tree = stage("scipy.stats calls", rewritten)
    tree = stage("structure jumps", control.structure(tree, ctx))
    return Prepared(ctx, tree, source.tree, stages)


def _refuse_lowering_names(fn, source):
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


@dataclass
class ReverseResult:
    compiled: codegen.Compiled
    names: dict  # role -> generated function name ("joint", "forward", "backward")
    stages: list
    tape: bool
    returns_value: bool = True
    guards: list = field(default_factory=list)  # callee bindings the code depends on
    # grad: the parameters that can make the output complex (None: not known; see analysis.complexity)
    complex_from: frozenset | None = frozenset()


@gc_pause.paused
@analysed_once
def reverse(fn, wrt, *, kind="joint", scalars=frozenset(), containers=frozenset(), statics=None, shapes=(),
            pending=None, has_aux=False, record_stages=False, check_real=False, target=NUMPY):
    """Generate reverse-mode code for ``fn`` differentiated with respect to parameter names ``wrt``.

    ``kind`` is "joint" (one function returning value and gradients), "grad" (gradients only,
    when the output is provably a scalar), or "split" (forward and backward functions).
    """
    split = kind == "split"
    prep = prepare(fn, record_stages, statics, target)
    ctx, stages = prep.ctx, prep.stages
    ctx.mode = "reverse"
    ctx.arg_shapes = dict(shapes)
    base = fn.__name__ if fn.__name__ != "<lambda>" else "lambda"
    if split:  # chosen first so a recursive call can refer to these very functions
        fwd_name = ctx.namer.fresh(base + "_forward")
        bwd_name = ctx.namer.fresh(base + "_backward")
        if pending is not None:
            pending.names, pending.ctx = {"forward": fwd_name, "backward": bwd_name}, ctx
    _refuse_taped_generated_code(prep.tree, ctx)
    tree = _copy_written_arguments(prep.tree, ctx)
    tree = ssa.rename_redefinitions(tree, ctx)
    ctx.locals = reader.local_names(tree)
    check_writes(tree, Classifier(ctx), ctx, _number_test(tree, ctx, scalars))  # after renaming
    if record_stages:
        stages.append(("rename redefinitions", syntax.unparse(tree)))
    # grad refuses complex outputs: its caller checks the arguments these come from, or the output
    complex_from = complex_sources(tree, ctx.resolve, namespace=getattr(fn, "__globals__", None)) \
        if (kind == "grad" or check_real) and not has_aux else frozenset()
    seeds = None
    if has_aux:
        tree, seeds = _split_aux(tree, ctx)
    classify = Classifier(ctx)
    seed_name = ctx.namer.fresh("d_" + _result_stem(tree)) if split else None
    seed = ir.Name(seed_name) if split else ir.Const(1.0)
    mode = ReverseMode(ctx, tree, classify, wrt, seed, scalars, containers, seeds)
    mode.prepare()
    # a callee's container parameters are only "may hold a list" (an item of a list of arrays...)
    known = containers if pending is None else frozenset()
    refuse_operators_on_containers(mode.fn, mode.classify, known, ctx, mode.activity.active)
    refuse_untyped_receivers(mode.fn, mode.classify, mode.activity, ctx)
    reverse_code, final_state = mode.run()
    tape_needed = bool(mode.push_before) or bool(mode.end_push) or \
        any(mode.classify(s).kind == "store" for s in mode.saves)
    forward_code = _forward_sweep(mode.fn.body, mode, ctx)
    tape_name = ctx.namer.fresh("tape") if tape_needed else None
    _name_tape(forward_code, tape_name)
    reverse_code = _fill_pops(reverse_code, mode, tape_name)
    reverse_code = batching.batch_products(cleanup.drop_empty(reverse_code), ctx)
    forward_code, reverse_code, tape_init = tapes.arrange(forward_code, reverse_code, tape_name,
                                                          [p.name for p in tree.params], mode, ctx)
    grads = [_final_gradient(name, final_state, mode) for name in wrt]
    value = forward_code[-1].value if forward_code and isinstance(forward_code[-1], ir.Return) else ir.Const(None)
    forward_body = forward_code[:-1] if forward_code and isinstance(forward_code[-1], ir.Return) else forward_code
    ret = mode.fn.body[-1] if mode.fn.body and isinstance(mode.fn.body[-1], ir.Return) else None
    seeded = ir.Name(seeds[0]) if seeds else value
    scalar_output = ret is not None and mode.shapes.of(seeded, ret) == frozenset()
    returns_value = split or kind != "grad" or has_aux  # a non-scalar output is refused in the code
    restored = _names_in(value) & mode.restored_primals  # arrays the reverse sweep writes back into
    if returns_value and (restored or isinstance(value, ir.Name) and value.id in _assigned_names(reverse_code)):
        kept = ir.Name(ctx.namer.fresh((value.id if isinstance(value, ir.Name) else "result") + "_value"))
        # the reverse sweep restores older values: by rebinding names, or in place
        kept_value = ir.Call(ir.Name(ctx.bind("detached", detached)), [value], []) if restored else value
        forward_body = forward_body + [ir.Assign([kept], kept_value)]
        value = ir.Name(kept.id)
        if not seeds:
            seeded = value
    prelude = [ir.Assign([ir.Name(n)], ir.Const(None)) for n in mode.predefine]
    prelude += tape_init
    grad_expr = grads[0] if len(grads) == 1 else ir.Tuple(grads)
    if record_stages:
        stages.append(("forward sweep", syntax.unparse(prelude + forward_body)))
        stages.append(("reverse sweep", syntax.unparse(reverse_code)))
    temps = finish.invented(ctx, prep.original) & mode.primal_names
    if not split and not scalar_output:
        check = ir.Call(ir.Name(ctx.bind("require_scalar", require_scalar)), [seeded, ir.Const(base)], [])
        reverse_code = [ir.ExprStmt(check)] + reverse_code  # the output's shape is only known at run time
    if check_real and complex_from != frozenset():  # code differentiated again: no caller checks the output
        check = ir.Call(ir.Name(ctx.bind("require_real", require_real)), [seeded, ir.Const(base + where(fn))], [])
        reverse_code = [ir.ExprStmt(check)] + reverse_code
    if not split:
        result = ir.Tuple([value, grad_expr]) if returns_value else grad_expr
        body = prelude + forward_body + reverse_code + [ir.Return(result)]
        body = finish.tidy(body, temps, {n.id for n in ir.walk(grad_expr) if isinstance(n, ir.Name)} |
                     (_names_in(value) if returns_value else set()))
        body = finish.floating_gradients(finish.drop_dead(body, ctx), ctx, mode)
        body = finish.reuse_memory(finish.simplify(body, ctx, mode, temps | set(mode.adj_names.values())), ctx, mode)
        name = ctx.namer.fresh("grad_" + base)
        header = [ir.Comment("reverse mode: d(%s)/d(%s)" % (base, ", ".join(wrt)))]
        functions = [ir.FunctionDef(name, _params(tree), header + body)]
        names = {kind: name}
    else:
        residuals = _residuals(reverse_code + [ir.Return(grad_expr)], mode, tape_name)
        maybe_unbound = [r for r in residuals if r not in definitely_assigned(prelude + forward_body, tree.params)
                         and r not in mode.predefine]
        prelude = [ir.Assign([ir.Name(r)], ir.Const(None)) for r in maybe_unbound] + prelude
        fwd_body = prelude + forward_body + [ir.Return(ir.Tuple([value, ir.Tuple([ir.Name(r) for r in residuals])]))]
        fwd_body = finish.reuse_memory(finish.tidy(fwd_body, temps, set(residuals) | _names_in(value)), ctx, mode)
        unpack = [ir.Assign([ir.Tuple([ir.Name(r) for r in residuals])], ir.Name("residuals"))] if residuals else []
        bwd_body = unpack + reverse_code + [ir.Return(grad_expr)]
        bwd_body = finish.reuse_memory(finish.drop_dead(bwd_body, ctx), ctx, mode)
        functions = [ir.FunctionDef(fwd_name, _params(tree), fwd_body),
                     ir.FunctionDef(bwd_name, [ir.Param("residuals", "positional"), ir.Param(seed_name, "positional")],
                                    bwd_body)]
        names = {"forward": fwd_name, "backward": bwd_name}
    used = set()
    for f in functions:
        used |= {n.id for n in ir.walk(f) if isinstance(n, ir.Name)}
    helpers = {k: v for k, v in ctx.helpers.items() if k in used and (k not in ctx.locals or k in ctx.statics)}
    closure = [n for n in fn.__code__.co_freevars if n in used]
    label = "%s of %s" % (kind, base)
    guarded = {f: ctx.arg_shapes for role, f in names.items() if role != "backward"}  # its arguments: residuals
    compiled = codegen.compile_functions(functions, helpers, closure, label, origin=fn, guarded=guarded, ctx=ctx)
    if record_stages:
        stages.append(("generated", compiled.source))
    return ReverseResult(compiled, names, stages, tape_name is not None, returns_value, list(ctx.guards),
                         complex_from)


def _refuse_taped_generated_code(tree, ctx):
    """Reverse mode over a generated gradient that pushes and pops a tape (a loop, a fancy-index
    write) would have to reverse the tape itself: refused, with the forward-over-reverse way out."""
    if not ctx.filename.startswith("<srcdiff "):
        return
    classify = Classifier(ctx)
    for s in ir.walk(tree):
        op = classify(s) if isinstance(s, (ir.Assign, ir.ExprStmt)) else None
        if op is not None and (op.kind in ("pop", "scatter") or (
                op.kind == "append" and isinstance(op.source, ir.Name) and re.fullmatch(r"tape\d*", op.source.id))):
            raise NonDifferentiableError(located(
                ctx.filename, s.line, ctx.origin_text.get(s.line, ""),
                "reverse mode over a generated gradient that keeps a tape (the function has a loop or "
                "writes through an index) is not supported",
                "For second derivatives use srcdiff.hessian, srcdiff.hvp or "
                "srcdiff.jacobian(srcdiff.grad(f), mode='forward') (forward mode over the gradient)."))


def _split_overwrites(tree, classify, ctx):
    """``x = x * a`` becomes ``x2 = x * a; x = x2``: the tangent statement, which follows the primal
    one, reads the old ``x`` (and the result ``x2``)."""
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


def _tangent_reads_old(op, name):
    """Does the tangent rule of ``name = f(..., name, ...)`` read the old value of ``name``?
    (``x = x * a`` does; ``x = x + v`` does not, nor ``x = np.exp(x)``, which reads only the result.)"""
    template = op.rule.tangent
    if template is None:
        return False
    read = template.reads_primal_of - {template.result}
    return any(isinstance(atom, ir.Name) and atom.id == name for p, atom in op.binding.items() if p in read)


def _number_test(tree, ctx, scalars):
    """``is_number(name, stmt)`` for ``check_writes``, from the shape analysis."""
    if not ctx.inplace:
        return None
    shapes = Shapes(tree, Classifier(ctx), ctx, frozenset(scalars), shape_kind)
    return lambda name, stmt: shapes.of(ir.Name(name), stmt) == SCALAR


def _copy_written_arguments(tree, ctx):
    """Arguments the function writes into get a private copy first: callers' arrays never change."""
    written = mutated_parameters(tree, Classifier(ctx))
    if not written:
        return tree
    name = ctx.bind("private_copy", private_copy)
    copies = [ir.Assign([ir.Name(p)], ir.Call(ir.Name(name), [ir.Name(p)], []), tree.line) for p in written]
    return ir.FunctionDef(tree.name, tree.params, copies + list(tree.body), tree.line)


@dataclass
class ForwardResult:
    compiled: codegen.Compiled
    names: dict  # role -> generated function name ("tangent")
    tangent_params: list  # keyword-only parameter names taking the tangents, in ``wrt`` order
    stages: list
    guards: list = field(default_factory=list)


@gc_pause.paused
@analysed_once
def forward(fn, wrt, *, scalars=frozenset(), containers=frozenset(), statics=None, shapes=(), pending=None,
            record_stages=False, tangent_only=False, target=NUMPY):
    """Generate forward-mode code: ``f_tangent(*args, t_x=...)`` returning ``(value, tangent)``, or
    only the tangent (``tangent_only``: what the value alone needs is not computed)."""
    prep = prepare(fn, record_stages, statics, target)
    ctx, stages = prep.ctx, prep.stages
    ctx.mode = "forward"
    ctx.arg_shapes = dict(shapes)
    base = fn.__name__ if fn.__name__ != "<lambda>" else "lambda"
    name = ctx.namer.fresh(base + "_tangent")
    tree = _copy_written_arguments(prep.tree, ctx)  # and, through private_copy's rule, their tangents
    # what reverse mode refuses, forward mode would get wrong; generated code and srcdiff's kernels
    # write only into arrays of their own
    if not ctx.filename.startswith("<srcdiff ") and not (getattr(fn, "__module__", "") or "").startswith("srcdiff."):
        check_writes(tree, Classifier(ctx), ctx, _number_test(tree, ctx, scalars))
    tree = _split_overwrites(tree, Classifier(ctx), ctx)
    if record_stages:
        stages.append(("split overwrites", syntax.unparse(tree)))
    mode = ForwardMode(ctx, tree, Classifier(ctx), wrt, scalars, containers)
    refuse_hidden_writes(tree, mode.classify, mode.activity, ctx, mode.shapes)
    known = containers if pending is None else frozenset()  # a callee's: only "may hold a list"
    refuse_operators_on_containers(tree, mode.classify, known, ctx, mode.activity.active)
    refuse_untyped_receivers(tree, mode.classify, mode.activity, ctx)
    tangent_params = [mode.tan(p) for p in wrt]
    if pending is not None:
        pending.names, pending.ctx = {"tangent": name, "tangent_params": tangent_params}, ctx
    body, state = mode.run()
    ret = body[-1] if body and isinstance(body[-1], ir.Return) else None
    value = ret.value if ret is not None else ir.Const(None)
    names_out = atom_names(value)
    if isinstance(value, ir.Name) and state.get(value.id):
        t_value = ir.Name(mode.tan(value.id))
    else:
        t_value = mode.materialized(mode.lookup(state)(value)) if names_out else ir.Const(0.0)
    if ret is not None:
        body = body[:-1] + [ir.Return(t_value if tangent_only else ir.Tuple([value, t_value]))]
    params = _params(prep.tree) + [ir.Param(t, "keyword_only") for t in tangent_params]
    temps = finish.invented(ctx, prep.original) & (ctx.locals | set(mode.names.values()))
    body = cleanup.drop_empty(body)
    body = cleanup.inline_temporaries(body, temps, set(mode.names.values()) |
                                      (set() if tangent_only else _names_in(value)))
    body = finish.drop_dead(body, ctx)
    tangent_args = [mode.names.get(p) for p in ctx.arg_shapes]
    assigned = cleanup._assigned(body)  # a tangent parameter has its argument's shape until it is rebound
    tangent_shapes = {t: ctx.arg_shapes[p] for p, t in zip(ctx.arg_shapes, tangent_args) if t and t not in assigned}
    body = finish.simplify(body, ctx, mode, temps | set(mode.names.values()), tangent_args, tangent_shapes)
    # ``t_t4 = t_out`` once specialized: tangents of srcdiff's temporaries (``t_out`` names a user's variable)
    body = cleanup.propagate_copies(body, temps & {t for p, t in mode.names.items() if p in temps})
    body = finish.reuse_memory(body, ctx, mode)
    header = [ir.Comment("forward mode: tangent of %s along %s" % (base, ", ".join(wrt)))]
    functions = [ir.FunctionDef(name, params, header + body)]
    used = {n.id for n in ir.walk(functions[0]) if isinstance(n, ir.Name)}
    helpers = {k: v for k, v in ctx.helpers.items() if k in used and (k not in ctx.locals or k in ctx.statics)}
    closure = [n for n in fn.__code__.co_freevars if n in used]
    compiled = codegen.compile_functions(functions, helpers, closure, "tangent of %s" % base, origin=fn,
                                         guarded={name: dict(ctx.arg_shapes, **tangent_shapes)}, ctx=ctx)
    if record_stages:
        stages.append(("generated", compiled.source))
    return ForwardResult(compiled, {"tangent": name}, tangent_params, stages, list(ctx.guards))


def _split_aux(tree, ctx):
    """For ``has_aux``: unpack the returned ``(loss, aux)`` so only ``loss`` is differentiated."""
    body = list(tree.body)
    ret = body[-1]
    for s in reversed(body[:-1]):  # ``return loss, aux`` builds a tuple: seed its first element
        if isinstance(s, ir.Assign) and isinstance(ret.value, ir.Name) and \
                ir.target_names(s.targets[0]) == [ret.value.id]:
            if isinstance(s.value, ir.Tuple) and len(s.value.elts) == 2 and isinstance(s.value.elts[0], ir.Name):
                return tree, [s.value.elts[0].id]
            break
    loss, aux = ir.Name(ctx.namer.fresh("loss")), ir.Name(ctx.namer.fresh("aux"))
    check = ir.ExprStmt(ir.Call(ir.Name(ctx.bind("require_pair", require_pair)),
                                [copy.deepcopy(ret.value), ir.Const(tree.name)], []), ret.line)
    unpack = ir.Assign([ir.Tuple([loss, aux])], ret.value, ret.line)
    body[-1:] = [check, unpack, ir.Return(ir.Tuple([ir.Name(loss.id), ir.Name(aux.id)]), ret.line)]
    ctx.locals |= {loss.id, aux.id}
    return ir.FunctionDef(tree.name, tree.params, body, tree.line), [loss.id]


def _assigned_names(code):
    names = set()
    for s in code:
        for n in ir.walk(s):
            if isinstance(n, ir.Assign):
                for t in n.targets:
                    names |= set(ir.target_names(t))
            elif isinstance(n, ir.For):
                names |= set(ir.target_names(n.target))
    return names


def _result_stem(tree):
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ir.Return) and isinstance(last.value, ir.Tuple):
        return "loss"
    if isinstance(last, ir.Return) and isinstance(last.value, ir.Name):
        return last.value.id
    return "result"


def _names_in(expr):
    """Names an expression reads."""
    return set(ir.names_read(expr))


def _params(tree):
    """The generated function's parameters: the user's, with literal defaults kept."""
    literal = all(p.default is None or isinstance(p.default, ir.Const) for p in tree.params)
    return [ir.Param(p.name, p.kind, p.default if literal else None) for p in tree.params]


__all__ = ["prepare", "reverse", "Adj"]
