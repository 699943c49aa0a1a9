"""Calls that may change a differentiated value in place, refused in both modes.

A call whose effect srcdiff cannot see (``a.fill(0.5)``, ``np.copyto(a, x)``, ``out=a``, a helper
that writes into its parameter) would leave the derivative describing the array before the call.
"""
from __future__ import annotations

import copy
import inspect

import numpy

from ..modes import callees as calls
from .. import ir
from ..errors import NonDifferentiableError, located
from .aliases import updated_by, memory_sources, mutated_parameters
from .dict_entries import entry_unread_after
from .liveness import Live
from .memo import prepared_once, transformation_memo as _memo
from .shapes import SCALAR
from ..front import reader
from ..lower import redefinitions
from ..lower.ops import Classifier
from ..pipeline_seam import prepare


def refuse_hidden_writes(fn_def, classify, activity, ctx, shapes=None):
    """Raise for the first call that may write into a varied value without srcdiff seeing it."""
    varied_before = activity.varied_before
    after = _Uses(fn_def, classify)
    for s in ir.walk(fn_def):
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        varied = varied_before.get(s) or frozenset()  # read only: a copy per statement was quadratic
        if op.kind not in ("call", "opaque", "rule", "nondiff"):
            continue
        text = ctx.origin_text.get(s.line, "")
        out = _out_names(s, ctx)
        args = {n for a in list(op.args) + [v for _, v in op.keywords] for n in ir.names_read(a)}
        if out and (set(out) | args) & varied:
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "%s writes its result into `%s` in place (`out=` or an output argument), which srcdiff "
                "cannot follow" % (op.name, out[0]),
                "Assign the result instead: `%s = %s(...)`." % (out[0], op.name.strip("`"))))
        if not set(op.diff_inputs()) & varied:
            continue
        if op.kind == "call":
            _refuse_writing_callee(s, op, ctx, text, shapes, activity.active(s), after)
            if isinstance(s, ir.ExprStmt) and writes_nothing(op.callee):
                continue  # ``check_inputs(X, w)``: its result unused, it can only raise or print
        if op.kind in ("call", "opaque") and isinstance(s, ir.ExprStmt):
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "the result of this call of %s is not used, so it can only matter by changing a "
                "differentiated value in place, which srcdiff cannot follow" % op.name,
                "Make the function return the new value and assign it, e.g. `y = %s(...)`."
                % op.name.strip("`")))
        if op.kind == "opaque" and _writes_in_place(s):  # ``r = a.fill(0.5)``: the result is None
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "%s writes into a differentiated array in place, which srcdiff cannot follow" % op.name,
                "Compute a new array and assign it instead (for example `a = np.sort(a)` rather than "
                "`a.sort()`, `a = np.full_like(a, v)` rather than `a.fill(v)`)."))


# NumPy methods and functions that write into an argument (the receiver, or the first argument)
_IN_PLACE = {"fill", "sort", "put", "partition", "resize", "itemset", "setfield", "byteswap", "__setitem__",
             "__iadd__", "__isub__", "__imul__", "__itruediv__", "copyto", "putmask", "place", "fill_diagonal",
             "put_along_axis", "shuffle", "setitem", "at"}


def _out_names(s, ctx):
    """Names a call writes its result into: ``out=``, or an output passed by position (a ufunc's
    argument after its inputs, ``np.clip(a, lo, hi, a)``)."""
    call = s.value
    if not isinstance(call, ir.Call):
        return []
    names = [n for k in call.keywords if k.name == "out" for n in ir.names_read(k.value)]
    try:
        fn = ctx.resolve(call.func)
    except Exception:  # noqa: BLE001 - an unresolvable callee is refused elsewhere
        return names
    if isinstance(fn, numpy.ufunc):
        return names + [n for a in call.args[fn.nin:] for n in ir.names_read(a)]
    if not (getattr(fn, "__module__", None) or "").startswith("numpy"):
        return names
    try:
        bound = inspect.signature(fn).bind_partial(*call.args)
    except (TypeError, ValueError):
        return names
    return names + (ir.names_read(bound.arguments["out"]) if "out" in bound.arguments else [])


def _writes_in_place(s):
    """Is the statement a call of a NumPy method or function that writes into its argument?"""
    value = s.value
    return isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr in _IN_PLACE or \
        isinstance(value, ir.Call) and isinstance(value.func, ir.Name) and value.func.id in _IN_PLACE


class _Uses:
    """Which names (or names sharing their memory) the function still reads after a statement."""

    def __init__(self, fn_def, classify):
        self.fn_def = fn_def
        self.live = Live()
        self.live.exit_state = frozenset()
        self.live.run(fn_def.body, frozenset())
        self.sources = memory_sources(fn_def, classify)

    def read_after(self, name, s, rebound):
        shared = {name} | set(self.sources.get(name, ())) | \
            {n for n, srcs in self.sources.items() if name in srcs or srcs & set(self.sources.get(name, ()))}
        live = set(self.live.after.get(s) or ()) - set(rebound)
        return bool(shared & live) and not entry_unread_after(self.fn_def, s, name, live, self.sources)


def _refuse_writing_callee(s, op, ctx, text, shapes, active, after):
    """Refuse a call of a user function that writes into an array the caller passed it.

    An inactive call runs the user's function, so the write happens and the reverse sweep may
    read the old values; an active one runs generated code that writes into a private copy, which
    matters only when the caller reads the array again."""
    written, augmented, outer = _written_parameters(op.callee)
    name = getattr(op.callee, "__name__", "the callee")
    if outer:
        raise NonDifferentiableError(located(
            ctx.filename, s.line, text,
            "%s writes into `%s`, which is not its own (a global or a closure variable), in place; "
            "srcdiff cannot carry a write across a call" % (name, outer[0]),
            "Pass `%s` to %s as an argument and return the new value." % (outer[0], name)))
    if not written and not augmented:
        return
    try:
        bound = calls.bind_arguments(op.callee, op.args, op.keywords)
    except TypeError:
        return  # a call that does not fit the signature fails when it runs
    # ``z[0] = v`` writes into any array passed in; ``z += v`` only into an array, not a number
    rebound = op.defines()
    hit = [p for p in written if isinstance(bound.get(p), ir.Name)] + \
          [p for p in augmented if isinstance(bound.get(p), ir.Name) and
           (shapes is None or shapes.of(bound[p], s) != SCALAR)]
    hit = [p for p in hit if not active or after.read_after(bound[p].id, s, rebound)]
    if not hit:
        return
    raise NonDifferentiableError(located(
        ctx.filename, s.line, text,
        "%s writes into its parameter `%s` in place (itself or through a function it calls), which "
        "changes the caller's array; srcdiff cannot carry a write across a call" % (name, hit[0]),
        "Copy it inside %s before writing (`%s = %s.copy()`), or return the new value and assign "
        "it here." % (name, hit[0], hit[0])))


def writes_nothing(callee):
    """Whether ``callee`` and every function it calls could be read and provably write into nothing
    they were given or do not own: a call of it whose result is unused cannot change a differentiated
    value."""
    memo = _memo()
    if _written_parameters(callee, memo) != ((), (), ()):
        return False
    seen, todo = set(), [callee]
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        own = memo[("own", id(f))][1]
        if own.unreadable:
            return False
        todo += [call[0] for _, call in own.steps if call is not None]
    return True


def _written_parameters(callee, memo=None):
    """(parameters ``callee`` writes into through an index, parameters it updates with ``+=``,
    names not its own that it writes into), itself or through the plain functions it calls.

    Each function is read from its source once per transformation (``analysed_once``): a cached
    answer kept longer would go stale when a helper the callee calls is redefined. Recursive and
    mutually recursive helpers are solved together, to a fixed point."""
    memo = _memo() if memo is None else memo
    if id(callee) in memo:
        return memo[id(callee)][1]
    facts, todo = {}, [callee]  # id -> (function, its own writes and calls), for all it reaches
    while todo:
        f = todo.pop()
        if id(f) in facts or id(f) in memo:
            continue
        facts[id(f)] = (f, _own_writes(f))
        todo += [call[0] for _, call in facts[id(f)][1].steps if call is not None]
    results = {key: ((), (), ()) for key in facts}
    changed = True
    while changed:  # the sets only grow, so this ends
        changed = False
        for key, (f, own) in facts.items():
            new = own.combined(lambda g: memo[id(g)][1] if id(g) in memo else results[id(g)])
            changed |= [set(x) for x in new] != [set(x) for x in results[key]]
            results[key] = new
    for key, (f, own) in facts.items():
        memo[key] = (f, results[key])  # the function is kept: its id is not reused meanwhile
        memo[("own", key)] = (f, own)
    return results[id(callee)]


class _OwnWrites:
    """What one function writes by itself, and the calls through which it may write more."""

    unreadable = False  # no source: what it writes is not known (it is refused where it is transformed)

    def __init__(self, params=(), local_names=(), written=(), augmented=(), steps=()):
        self.params, self.locals = set(params), set(local_names)
        self.written, self.augmented = list(written), list(augmented)
        self.steps = list(steps)  # per statement: (names not its own it writes, (callee, its
        # parameter -> the name passed) or None), in order

    def combined(self, result_of):
        """(written, augmented, outer) with each callee's answer from ``result_of``."""
        written, augmented, outer = list(self.written), list(self.augmented), []
        for own_outer, call in self.steps:
            outer += own_outer
            if call is None:
                continue
            inner_written, inner_augmented, inner_outer = result_of(call[0])
            passed = call[1]
            # a write the helper's helper makes into an argument it was passed
            written += [passed[p] for p in inner_written if passed.get(p) in self.params]
            augmented += [passed[p] for p in inner_augmented if passed.get(p) in self.params]
            outer += [n for n in inner_outer if n not in self.locals and n not in self.params]
        return tuple(dict.fromkeys(written)), tuple(dict.fromkeys(augmented)), tuple(dict.fromkeys(outer))


def _own_writes(callee):
    """``_OwnWrites`` of ``callee``, read from its source."""
    try:
        prep = prepared_once(callee, prepare)  # shared with the other analyses of callees
    except Exception:  # noqa: BLE001 - a callee without source is refused where it is transformed
        unknown = _OwnWrites()
        unknown.unreadable = True
        return unknown
    ctx = copy.copy(prep.ctx)  # edited below: the shared one stays as it was
    ctx.namer, ctx.resolved = copy.deepcopy(ctx.namer), {}
    tree = redefinitions.rename_redefinitions(prep.tree, ctx)  # ``z = z.copy(); z[0] = v`` writes a new array
    ctx.locals = reader.local_names(tree)
    classify = Classifier(ctx)
    params = {p.name for p in tree.params}
    augmented = []
    for st in ir.walk(tree):
        if isinstance(st, ir.Assign):
            for n in classify(st).defines():
                updated = updated_by(st, n, ctx) if (st.line, n) in ctx.inplace else None
                if updated in params and updated not in augmented:
                    augmented.append(updated)
    steps = []
    for st in ir.walk(tree):
        if not isinstance(st, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(st)
        own_outer = [n for n in op.mutates() if n not in ctx.locals and n not in params]
        call = None
        if op.kind == "call" and calls.is_plain_function(op.callee):
            try:
                bound = calls.bind_arguments(op.callee, op.args, op.keywords)
            except TypeError:
                bound = None
            if bound is not None:
                call = (op.callee, {p: a.id for p, a in bound.items() if isinstance(a, ir.Name)})
        steps.append((own_outer, call))
    return _OwnWrites(params, ctx.locals, mutated_parameters(tree, classify), augmented, steps)
