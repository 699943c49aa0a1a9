"""Calls that may change a differentiated value in place, refused in both modes.

A call whose effect srcdiff cannot see (``a.fill(0.5)``, ``np.copyto(a, x)``, ``out=a``, a helper
that writes into its parameter) would leave the derivative describing the array before the call.
"""
from __future__ import annotations

import inspect
import threading

import numpy

from ..modes import callees as calls
from .. import ir
from ..errors import NonDifferentiableError, located
from .aliases import _updated, memory_sources, mutated_parameters
from .liveness import _Live
from .shapes import SCALAR


def refuse_hidden_writes(fn_def, classify, activity, ctx, shapes=None):
    """Raise for the first call that may write into a varied value without srcdiff seeing it."""
    varied_before = activity.varied_before
    after = _Uses(fn_def, classify)
    for s in ir.walk(fn_def):
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        varied = set(varied_before.get(s) or ())
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
        self.live = _Live()
        self.live.exit_state = frozenset()
        self.live.run(fn_def.body, frozenset())
        self.sources = memory_sources(fn_def, classify)

    def read_after(self, name, s, rebound):
        shared = {name} | set(self.sources.get(name, ())) | \
            {n for n, srcs in self.sources.items() if name in srcs or srcs & set(self.sources.get(name, ()))}
        live = set(self.live.after.get(s) or ()) - set(rebound)
        return bool(shared & live)


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


def _written_parameters(callee):
    """(parameters ``callee`` writes into through an index, parameters it updates with ``+=``,
    names not its own that it writes into).

    Read from the source each time (only while transforming): a cached answer would go stale
    when a helper the callee calls is redefined."""
    from ..front import reader
    from ..lower import redefinitions
    from ..lower.ops import Classifier
    from ..pipeline import prepare
    try:
        prep = prepare(callee)
    except Exception:  # noqa: BLE001 - a callee without source is refused where it is transformed
        return (), (), ()
    ctx = prep.ctx
    tree = redefinitions.rename_redefinitions(prep.tree, ctx)  # ``z = z.copy(); z[0] = v`` writes a new array
    ctx.locals = reader.local_names(tree)
    classify = Classifier(ctx)
    params = {p.name for p in tree.params}
    augmented = []
    for st in ir.walk(tree):
        if isinstance(st, ir.Assign):
            for n in classify(st).defines():
                updated = _updated(st, n, ctx) if (st.line, n) in ctx.inplace else None
                if updated in params and updated not in augmented:
                    augmented.append(updated)
    written = list(mutated_parameters(tree, classify))
    outer = []
    for st in ir.walk(tree):
        if not isinstance(st, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(st)
        outer += [n for n in op.mutates() if n not in ctx.locals and n not in params]
        in_progress = _in_progress()
        if op.kind == "call" and calls.is_plain_function(op.callee) and op.callee not in in_progress:
            in_progress.add(callee)  # a recursive call adds nothing new
            try:
                inner_written, inner_augmented, inner_outer = _written_parameters(op.callee)
            finally:
                in_progress.discard(callee)
            try:
                bound = calls.bind_arguments(op.callee, op.args, op.keywords)
            except TypeError:
                continue
            # a write the helper's helper makes into an argument it was passed
            written += [bound[p].id for p in inner_written if isinstance(bound.get(p), ir.Name)
                        and bound[p].id in params]
            augmented += [bound[p].id for p in inner_augmented if isinstance(bound.get(p), ir.Name)
                          and bound[p].id in params]
            outer += [n for n in inner_outer if n not in ctx.locals and n not in params]
    return tuple(dict.fromkeys(written)), tuple(dict.fromkeys(augmented)), tuple(dict.fromkeys(outer))


_local = threading.local()


def _in_progress():
    """The callees whose writes this thread is collecting (recursion stops there)."""
    if not hasattr(_local, "callees"):
        _local.callees = set()
    return _local.callees
