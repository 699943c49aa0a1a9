"""The pipeline: runs the passes ``passes.py`` lists for each mode, and compiles the result.

fence -> normalize -> structure jumps -> preparation passes -> analyses -> reverse walk or tangent
statements -> assemble -> cleanup passes -> codegen
"""
from __future__ import annotations

import copy
import dataclasses
import linecache
from dataclasses import dataclass, field

from .modes import batching, callees as calls, tapes
from .front import bindings, dispatch, fence, generators, local_functions, reader, records, syntax
from .optimize import cleanup, finish
from .backend import codegen
from .backend.targets import NUMPY
from .lower import normalize
from . import gc_pause, ir, passes, pipeline_seam
from .modes.assemble import argument_checks, fill_pops, final_gradient, forward_sweep, name_tape, residual_names
from .context import Context, Namer, all_names
from .analysis.effects import refuse_hidden_writes
from .analysis.memo import analysed_once
from .analysis.containers import refuse_operators_on_containers
from .analysis.receivers import refuse_untyped_receivers
from .analysis.tbr import definitely_assigned
from .modes.forward import ForwardMode
from .modes.reverse import Adj, ReverseMode
from .lower.ops import atom_names
from .lower.ops import Classifier
from .runtime.helpers import format_text, raise_error, raise_from
from .runtime.helpers import as_sequence, detached, require_real, require_scalar, where


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
    constants = {k: v.value for k, v in (statics or {}).items() if isinstance(v, calls.Constant)}
    statics = {k: v for k, v in (statics or {}).items() if k not in schemas and k not in constants}
    stages = []
    if record_stages:
        stages.append(("source", syntax.unparse(source.tree)))
    # fields of records as positions; an object's constants and methods as helpers
    tree, record_helpers, record_guards = records.rewrite(source.tree, schemas, source.filename,
                                                          all_names(source.tree))
    for p in passes.SOURCE:  # before the context: its names are those of the rewritten tree
        if p.when is not None and not p.when(target):
            continue
        tree = p.run(tree, source, target)
        if record_stages:
            stages.append((p.name, syntax.unparse(tree)))
    source = dataclasses.replace(source, tree=tree)
    passes.refuse_lowering_names(fn, source)
    source = dataclasses.replace(source, tree=generators.as_list_if_generator(fn, source.tree, source.filename,
                                                                            local_functions.writes_outside))
    fence.check(source.tree, source.filename)
    env = reader.Environment(fn)
    names = all_names(source.tree)
    ctx = Context(source=source, env=env, namer=Namer(names), locals=reader.local_names(source.tree))
    ctx.source_names = names
    ctx.target = target
    ctx.statics = dict(statics or {})
    ctx.constants = dispatch.unchanged(source.tree, constants)
    ctx.statics.update(bindings.local_aliases(source.tree, ctx))  # ``m = np``: resolves like ``np``
    ctx.origin_text = _origin_texts(source.tree, source)
    ctx.helpers[normalize.SEQUENCE_HELPER] = as_sequence
    ctx.helpers.update({syntax.RAISE: raise_error, syntax.RAISE_FROM: raise_from, syntax.FORMAT: format_text})
    ctx.helpers.update(record_helpers)
    ctx.guards.extend(record_guards)
    ctx.schemas = schemas
    ctx.namer.reserve([normalize.SEQUENCE_HELPER, *syntax.LOWERING_HELPERS])
    # how it calls generators, resolved as srcdiff resolves calls (ctx.resolve caches what a node names:
    # so only once every name srcdiff adds is known)
    generators.check(source.tree, ctx)
    tree = source.tree
    for p in passes.FRONT:
        tree = p.run(tree, _Front(ctx))
        ctx.locals = reader.local_names(tree)
        if record_stages:
            stages.append((p.name, syntax.unparse(tree)))
    made = bindings.transformation_aliases(tree, ctx)  # ``srcdiff.grad(loss)(x)``: calls of its gradient code
    if made:
        ctx.statics.update(made)
        ctx.resolved.clear()  # names resolved before they were known
    return Prepared(ctx, tree, source.tree, stages)


@dataclass
class _Front:
    ctx: Context


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


class Job:
    """One transformation's options and what its passes learn on the way (``passes.py``)."""

    def __init__(self, fn, prep, kind, wrt, scalars, containers, has_aux=False, check_real=False,
                 record_stages=False):
        self.fn, self.ctx, self.stages, self.record_stages = fn, prep.ctx, prep.stages, record_stages
        self.kind, self.wrt, self.scalars, self.containers = kind, list(wrt), scalars, containers
        self.has_aux, self.check_real = has_aux, check_real
        self.reverse = kind != "forward"
        self.base = fn.__name__ if fn.__name__ != "<lambda>" else "lambda"
        self.complex_from = frozenset()
        self.seeds = None  # names whose adjoint is seeded (has_aux: the loss)
        self.seed_name = None  # split mode: the backward function's parameter taking the output's adjoint
        self.mode = None
        self.strong_output = False  # the output's adjoint may hold a caller's selection zeros

    def record(self, name, code):
        """Keep the source after the stage ``name`` (a function, statements, or functions)."""
        if self.record_stages:
            if isinstance(code, str):
                text = code
            elif isinstance(code, list) and code and all(isinstance(f, ir.FunctionDef) for f in code):
                text = "\n".join(syntax.unparse(f) for f in code)
            else:
                text = syntax.unparse(code)
            self.stages.append((name, text))

    def walker(self, tree):
        """The reverse walk (``ReverseMode``) over ``tree``, made by the first pass that needs it."""
        if self.mode is None:
            split = self.kind == "split"
            self.seed_name = self.ctx.namer.fresh("d_" + _result_stem(tree)) if split else None
            seed = ir.Name(self.seed_name) if split else ir.Const(1.0)
            self.mode = ReverseMode(self.ctx, tree, Classifier(self.ctx), self.wrt, seed, self.scalars,
                                    self.containers, self.seeds)
            self.mode.masked_output = self.strong_output
        return self.mode


@dataclass
class Sweeps:
    """The two halves of reverse-mode code before cleanup."""

    prelude: list
    forward: list  # the forward sweep, without its return
    reverse: list
    value: object  # the expression the function returns
    seeded: object  # the value whose adjoint is seeded
    grads: list  # the final gradient expression of each name in ``wrt``
    tape: str | None
    returns_value: bool


@gc_pause.paused
@analysed_once
def reverse(fn, wrt, *, kind="joint", scalars=frozenset(), containers=frozenset(), statics=None, shapes=(),
            pending=None, has_aux=False, record_stages=False, check_real=False, target=NUMPY, strong_output=False):
    """Generate reverse-mode code for ``fn`` differentiated with respect to parameter names ``wrt``.

    ``kind`` is "joint" (one function returning value and gradients), "grad" (gradients only,
    when the output is provably a scalar), or "split" (forward and backward functions);
    ``strong_output``: the output's adjoint may hold a caller's selection zeros.
    """
    prep = prepare(fn, record_stages, statics, target)
    ctx = prep.ctx
    ctx.mode = "reverse"
    ctx.arg_shapes = dict(shapes)
    job = Job(fn, prep, kind, wrt, scalars, containers, has_aux, check_real, record_stages)
    job.strong_output = strong_output
    names = {kind: None}
    if kind == "split":  # chosen first so a recursive call can refer to these very functions
        names = {"forward": ctx.namer.fresh(job.base + "_forward"), "backward": ctx.namer.fresh(job.base + "_backward")}
        if pending is not None:
            pending.names, pending.ctx = names, ctx
    tree = passes.run_passes(passes.REVERSE, prep.tree, job)
    mode = job.walker(tree)
    mode.freeze()
    # a callee's container parameters are only "may hold a list" (an item of a list of arrays...)
    known = containers if pending is None else frozenset()
    refuse_operators_on_containers(mode.fn, mode.classify, known, ctx, mode.activity.active)
    refuse_untyped_receivers(mode.fn, mode.classify, mode.activity, ctx)
    sweeps = _sweeps(mode, job)
    temps = frozenset(finish.invented(ctx, prep.original) & mode.primal_names)
    if kind != "split":
        functions, facts = _joint_function(tree, mode, job, sweeps, temps)
        names = {kind: functions[0].name}
    else:
        functions, facts = _split_functions(tree, mode, job, sweeps, temps, names)
    functions = passes.run_cleanup(functions, facts, job.record)
    if kind != "split":
        header = [ir.Comment("reverse mode: d(%s)/d(%s)" % (job.base, ", ".join(wrt)))]
        functions = [ir.FunctionDef(functions[0].name, functions[0].params, header + functions[0].body)]
    guarded = {f: ctx.arg_shapes for role, f in names.items() if role != "backward"}  # its arguments: residuals
    compiled = _compile(fn, functions, ctx, "%s of %s" % (kind, job.base), guarded)
    job.record("generated", compiled.source)
    return ReverseResult(compiled, names, job.stages, sweeps.tape is not None, sweeps.returns_value,
                         list(ctx.guards), job.complex_from)


def _sweeps(mode, job):
    """The reverse walk, the tape, loop sums batched: the forward and reverse sweeps."""
    ctx, split, seeds = job.ctx, job.kind == "split", job.seeds
    reverse_code, final_state = mode.run()
    tape_needed = bool(mode.push_before) or bool(mode.end_push) or \
        any(mode.classify(s).kind == "store" for s in mode.saves)
    forward_code = forward_sweep(mode.fn.body, mode, ctx)
    tape_name = ctx.namer.fresh("tape") if tape_needed else None
    name_tape(forward_code, tape_name)
    reverse_code = fill_pops(reverse_code, mode, tape_name)
    unbatched = reverse_code
    reverse_code = cleanup.drop_empty(reverse_code)
    if not job.check_real:  # code differentiated again keeps one product per step: the batched sums (a kernel
        reverse_code = batching.batch_products(reverse_code, ctx)  # over lists) have no derivatives of their own
    forward_code, reverse_code, tape_init = tapes.arrange(forward_code, reverse_code, tape_name,
                                                          [p.name for p in mode.fn.params], mode, ctx)
    grads = [final_gradient(name, final_state, mode) for name in job.wrt]
    returned = forward_code and isinstance(forward_code[-1], ir.Return)
    value = forward_code[-1].value if returned else ir.Const(None)
    forward_body = forward_code[:-1] if returned else forward_code
    ret = mode.fn.body[-1] if mode.fn.body and isinstance(mode.fn.body[-1], ir.Return) else None
    seeded = ir.Name(seeds[0]) if seeds else value
    scalar_output = ret is not None and mode.shapes.of(seeded, ret) == frozenset()
    returns_value = split or job.kind != "grad" or job.has_aux  # a non-scalar output is refused in the code
    restored = _names_in(value) & mode.restored_primals  # arrays the reverse sweep writes back into
    if returns_value and (restored or isinstance(value, ir.Name) and value.id in ir.assigned_names(reverse_code)):
        kept = ir.Name(ctx.namer.fresh((value.id if isinstance(value, ir.Name) else "result") + "_value"))
        # the reverse sweep restores older values: by rebinding names, or in place
        kept_value = ir.Call(ir.Name(ctx.bind("detached", detached)), [value], []) if restored else value
        forward_body = forward_body + [ir.Assign([kept], kept_value)]
        value = ir.Name(kept.id)
        if not seeds:
            seeded = value
    unbound = getattr(mode, "predefine_values", {})  # a typed tape's placeholder (modes/typed_tapes.py)
    prelude = [ir.Assign([ir.Name(n)], v if isinstance(v := unbound.get(n), ir.Expr) else ir.Const(v))
               for n in mode.predefine]
    prelude = (argument_checks(job.wrt, job.fn, ctx) if job.check_real else []) + prelude + tape_init
    job.record("forward sweep", prelude + forward_body)
    job.record("reverse sweep", unbatched)
    job.record("batch loop sums", reverse_code)
    if not split and not scalar_output:
        check = ir.Call(ir.Name(ctx.bind("require_scalar", require_scalar)), [seeded, ir.Const(job.base)], [])
        reverse_code = [ir.ExprStmt(check)] + reverse_code  # the output's shape is only known at run time
    if job.check_real and job.complex_from != frozenset():  # code differentiated again: no caller checks it
        check = ir.Call(ir.Name(ctx.bind("require_real", require_real)),
                        [seeded, ir.Const(job.base + where(job.fn))], [])
        reverse_code = [ir.ExprStmt(check)] + reverse_code
    return Sweeps(prelude, forward_body, reverse_code, value, seeded, grads, tape_name, returns_value)


def _reverse_facts(ctx, mode, temps, keep, floats, gradients):
    derived = {v: (k[-1] if isinstance(k, tuple) else k) for k, v in mode.adj_names.items()}
    adjoints = frozenset(mode.adj_names.values())
    constant = mode.shapes.constant_shapes() if ctx.arg_shapes else {}
    return finish.Facts(ctx, temps, frozenset(keep), adjoints, adjoints if gradients else frozenset(),
                        frozenset(floats), shapes=lambda body: constant, copies=(temps | adjoints) - frozenset(keep),
                        sizes=finish.known_sizes(mode.shapes, derived))


def _joint_function(tree, mode, job, sweeps, temps):
    """One function returning the value and the gradients (or the gradients only)."""
    grad_expr = sweeps.grads[0] if len(sweeps.grads) == 1 else ir.Tuple(sweeps.grads)
    result = ir.Tuple([sweeps.value, grad_expr]) if sweeps.returns_value else grad_expr
    body = sweeps.prelude + sweeps.forward + sweeps.reverse + [ir.Return(result)]
    keep = _names_in(grad_expr) | (_names_in(sweeps.value) if sweeps.returns_value else set())
    # a call checks that the arguments differentiated, containers aside, are floats or float arrays
    containers = mode.container_params or mode.containers
    floats = {p for p in mode.wrt if p not in containers}
    facts = _reverse_facts(job.ctx, mode, temps, keep, floats, gradients=True)
    name = job.ctx.namer.fresh("grad_" + job.base)
    function = ir.FunctionDef(name, _params(tree), body)
    job.record("assemble", [function])
    return [function], [facts]


def _split_functions(tree, mode, job, sweeps, temps, names):
    """A forward function returning the value and the residuals, and a backward one taking them
    and the output's adjoint."""
    grad_expr = sweeps.grads[0] if len(sweeps.grads) == 1 else ir.Tuple(sweeps.grads)
    residuals = residual_names(sweeps.reverse + [ir.Return(grad_expr)], mode, sweeps.tape)
    prelude = sweeps.prelude
    maybe_unbound = [r for r in residuals if r not in definitely_assigned(prelude + sweeps.forward, tree.params)
                     and r not in mode.predefine]
    prelude = [ir.Assign([ir.Name(r)], ir.Const(None)) for r in maybe_unbound] + prelude
    value = sweeps.value
    fwd_body = prelude + sweeps.forward + [ir.Return(ir.Tuple([value, ir.Tuple([ir.Name(r) for r in residuals])]))]
    unpack = [ir.Assign([ir.Tuple([ir.Name(r) for r in residuals])], ir.Name("residuals"))] if residuals else []
    bwd_body = unpack + sweeps.reverse + [ir.Return(grad_expr)]
    functions = [ir.FunctionDef(names["forward"], _params(tree), fwd_body),
                 ir.FunctionDef(names["backward"], [ir.Param("residuals", "positional"),
                                                    ir.Param(job.seed_name, "positional")], bwd_body)]
    # the output's adjoint is a float (vjp's pullback makes it one; callers pass their adjoints)
    facts = [_reverse_facts(job.ctx, mode, temps, set(residuals) | _names_in(value), (), gradients=False),
             _reverse_facts(job.ctx, mode, temps, _names_in(grad_expr), {job.seed_name}, gradients=True)]
    job.record("assemble", functions)
    return functions, facts


def _compile(fn, functions, ctx, label, guarded):
    used = set()
    for f in functions:
        used |= {n.id for n in ir.walk(f) if isinstance(n, ir.Name)}
    helpers = {k: v for k, v in ctx.helpers.items() if k in used and (k not in ctx.locals or k in ctx.statics)}
    closure = [n for n in fn.__code__.co_freevars if n in used]
    return codegen.compile_functions(functions, helpers, closure, label, origin=fn, guarded=guarded, ctx=ctx)


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
    ctx = prep.ctx
    ctx.mode = "forward"
    ctx.arg_shapes = dict(shapes)
    job = Job(fn, prep, "forward", wrt, scalars, containers, record_stages=record_stages)
    name = ctx.namer.fresh(job.base + "_tangent")
    tree = passes.run_passes(passes.FORWARD, prep.tree, job)
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
    if isinstance(value, ir.Name) and state.get(value.id):
        t_value = ir.Name(mode.tan(value.id))
    else:
        t_value = mode.materialized(mode.lookup(state)(value)) if atom_names(value) else ir.Const(0.0)
    if ret is not None:
        body = body[:-1] + [ir.Return(t_value if tangent_only else ir.Tuple([value, t_value]))]
    params = _params(prep.tree) + [ir.Param(t, "keyword_only") for t in tangent_params]
    functions = [ir.FunctionDef(name, params, body)]
    job.record("tangent statements", functions)
    functions = passes.run_cleanup(functions, [_forward_facts(ctx, mode, prep, tangent_only, value)], job.record)
    header = [ir.Comment("forward mode: tangent of %s along %s" % (job.base, ", ".join(wrt)))]
    functions = [ir.FunctionDef(name, params, header + functions[0].body)]
    assigned = ir.assignment_counts(functions[0].body)  # a tangent parameter has its argument's shape until rebound
    tangent_shapes = {t: ctx.arg_shapes[p] for p, t in zip(ctx.arg_shapes, (mode.names.get(p) for p in ctx.arg_shapes))
                      if t and t not in assigned}
    compiled = _compile(fn, functions, ctx, "tangent of %s" % job.base, {name: dict(ctx.arg_shapes, **tangent_shapes)})
    job.record("generated", compiled.source)
    return ForwardResult(compiled, {"tangent": name}, tangent_params, job.stages, list(ctx.guards))


def _forward_facts(ctx, mode, prep, tangent_only, value):
    temps = frozenset(finish.invented(ctx, prep.original) & (ctx.locals | set(mode.names.values())))
    tangents = frozenset(mode.names.values())
    keep = tangents | (frozenset() if tangent_only else _names_in(value))
    floats = {p for p in mode.wrt if p not in mode.containers}
    floats |= {mode.names.get(p) for p in floats} - {None}
    tangent_args = [mode.names.get(p) for p in ctx.arg_shapes]
    constant = mode.shapes.constant_shapes() if ctx.arg_shapes else {}

    def shapes(body):  # a tangent parameter has its argument's shape until it is rebound
        assigned = ir.assignment_counts(body)
        return {**constant, **{t: ctx.arg_shapes[p] for p, t in zip(ctx.arg_shapes, tangent_args)
                               if t and t not in assigned}}
    # ``t_t4 = t_out`` once specialized: tangents of srcdiff's temporaries (``t_out`` names a user's variable)
    copies = temps & {t for p, t in mode.names.items() if p in temps}
    return finish.Facts(ctx, temps, keep, tangents, frozenset(), frozenset(floats),
                        frozenset(a for a in tangent_args if a), shapes, copies,
                        finish.known_sizes(mode.shapes, {v: k for k, v in mode.names.items()}))


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


pipeline_seam.install(prepare=prepare, reverse=reverse, forward=forward)

__all__ = ["prepare", "reverse", "Adj"]
