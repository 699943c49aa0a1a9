"""Run one pass of the pipeline (srcdiff/passes.py) on a snippet: IR in, IR out, or an analysis' facts.

A snippet is the text of a ``def``; it is compiled from a file ``linecache`` holds, so srcdiff reads
it like any user function. The passes before the one under test run as the pipeline runs them (the
input is what that pass really gets); ``Step.before`` is that input, printed, and ``Step.after`` the
pass's output. Analyses run on the lowered tree, as the modes run them.
"""
from __future__ import annotations

import itertools
import linecache
import math
import textwrap
from dataclasses import dataclass

import numpy as np

from srcdiff import ir, passes, pipeline
from srcdiff.analysis.activity import Activity, arg_ndims
from srcdiff.analysis.shapes import Shapes
from srcdiff.front import reader, syntax
from srcdiff.lower.ops import Classifier, atom_names
from srcdiff.optimize import finish
from srcdiff.rules.registry import shape_kind
from srcdiff.runtime import helpers as runtime

_files = itertools.count()


def function(text, **namespace):
    """The function the snippet ``text`` defines (its first ``def``), with ``np``, ``math`` and the
    runtime's helpers as globals, plus ``namespace``."""
    text = textwrap.dedent(text).lstrip("\n")
    filename = "<pass test %d>" % next(_files)
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    scope = {"__name__": "pass_test", "np": np, "math": math, "unbroadcast": runtime.unbroadcast,
             "zeros_like": runtime.zeros_like, **namespace}
    exec(compile(text, filename, "exec"), scope)
    return scope[text.split("def ", 1)[1].split("(", 1)[0].strip()]


def show(code):
    """A tree, a statement or a list of statements as source text (srcdiff's printer)."""
    if isinstance(code, list):
        return "\n".join(syntax.unparse(s) for s in code).strip()
    return syntax.unparse(code).strip()


def text(snippet):
    """The expected text of a tree: the snippet, dedented, without its surrounding blank lines."""
    return textwrap.dedent(snippet).strip()


@dataclass
class Step:
    """One pass run: its input and output as text, and the tree and context after it."""

    before: str
    after: str
    tree: ir.FunctionDef
    ctx: object


@dataclass
class _Front:
    ctx: object


def parsed(fn):
    """``pipeline.Prepared`` of ``fn`` with no lowering pass run: parsed, fenced, with its context."""
    saved = passes.FRONT
    passes.FRONT = ()
    try:
        return pipeline.prepare(fn)
    finally:
        passes.FRONT = saved


def lowering(name, snippet, **namespace):
    """Run the lowering passes (``passes.FRONT``) up to and including ``name``; the Step of ``name``."""
    assert name in [p.name for p in passes.FRONT], name
    prep = parsed(function(snippet, **namespace))
    tree = prep.tree
    for p in passes.FRONT:
        before = tree
        tree = p.run(tree, _Front(prep.ctx))
        prep.ctx.locals = reader.local_names(tree)
        if p.name == name:
            return Step(show(before), show(tree), tree, prep.ctx)


def job_of(fn, wrt, kind="grad", forward=False):
    """A ``pipeline.Job`` for ``fn`` after lowering, and the lowered tree."""
    prep = pipeline.prepare(fn)
    prep.ctx.mode = "forward" if forward else "reverse"
    prep.ctx.arg_shapes = {}
    return pipeline.Job(fn, prep, "forward" if forward else kind, wrt, frozenset(), frozenset()), prep.tree


def preparation(name, snippet, wrt=("x",), forward=False, **namespace):
    """The Step of the preparation pass ``name`` (``passes.REVERSE``, or ``passes.FORWARD``)."""
    job, tree = job_of(function(snippet, **namespace), wrt, forward=forward)
    for p in passes.FORWARD if forward else passes.REVERSE:
        if p.when is not None and not p.when(job):
            continue
        before = tree
        tree = p.run(tree, job)
        if p.name == name:
            return Step(show(before), show(tree), tree, job.ctx)
    raise AssertionError("no pass %r ran" % name)


def front(snippet, **namespace):
    """(tree, ctx, classify): the snippet after the lowering passes only."""
    job, tree = job_of(function(snippet, **namespace), ())
    return tree, job.ctx, Classifier(job.ctx)


def lowered(snippet, wrt=("x",), **namespace):
    """(tree, ctx, classify): the snippet lowered and its redefinitions renamed, as analyses see it."""
    step = preparation("rename redefinitions", snippet, wrt, **namespace)
    return step.tree, step.ctx, Classifier(step.ctx)


def activity(snippet, wrt=("x",), **namespace):
    """(active, constant): the statements (their text, in order) that need an adjoint, seeded at the
    returned value, and those whose value the output provably does not depend on (shifts that cancel)."""
    tree, ctx, classify = lowered(snippet, wrt, **namespace)
    facts = Activity(tree, classify, wrt, lambda op: atom_names(op.source), arg_ndims(ctx))
    simple = [s for s in ir.walk(tree) if isinstance(s, (ir.Assign, ir.ExprStmt))]
    return [show(s) for s in simple if facts.active(s)], [show(s) for s in simple if facts.constant(s)]


def shapes(snippet, scalars=(), arg_shapes=None, **namespace):
    """(Shapes, tree): the shape classes of the lowered snippet's names."""
    fn = function(snippet, **namespace)
    job, tree = job_of(fn, [p.name for p in reader.load(fn).tree.params][:1])
    job.ctx.arg_shapes = dict(arg_shapes or {})
    tree = passes.run_passes(passes.REVERSE[:2], tree, job)
    return Shapes(tree, Classifier(job.ctx), job.ctx, frozenset(scalars), shape_kind), tree


def recorded(snippet, wrt=("x",), **namespace):
    """The names the forward sweep records on the tape (to-be-recorded analysis), in order."""
    job, tree = job_of(function(snippet, **namespace), wrt)
    tree = passes.run_passes(passes.REVERSE, tree, job)
    mode = job.walker(tree)
    mode.run()
    names = []
    for pushed in list(mode.push_before.values()) + list(mode.end_push.values()):
        names += [n for n in pushed if n not in names]
    return names


def cleanup_pass(name, snippet, temps=(), keep=(), derivatives=(), gradients=(), floats=(), copies=(),
                 arg_shapes=None, shapes=None, sizes=None, **namespace):
    """The Step of the cleanup pass ``name`` (``passes.CLEANUP``) over the snippet's body, written as
    generated code is; ``temps`` etc. are the ``finish.Facts`` a mode would give."""
    [p] = [p for p in passes.CLEANUP if p.name == name]
    prep = parsed(function(snippet, **namespace))
    ctx = prep.ctx
    ctx.arg_shapes = dict(arg_shapes or {})
    facts = finish.Facts(ctx, frozenset(temps), frozenset(keep), frozenset(derivatives), frozenset(gradients),
                         frozenset(floats), shapes=lambda body: dict(shapes or {}), copies=frozenset(copies),
                         sizes=lambda: dict(sizes or {}))
    body = p.run(list(prep.tree.body), facts)
    tree = ir.FunctionDef(prep.tree.name, prep.tree.params, body, prep.tree.line)
    return Step(show(prep.tree), show(tree), tree, ctx)
