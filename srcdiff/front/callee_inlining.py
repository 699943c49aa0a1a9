"""For compiled targets: module-level user functions the differentiated function calls, written out as local functions.

Numba compiles one generated function; the NumPy backend's callee calls (a forward function
returning its saved values, a backward function taking them) would be calls of Python objects
it cannot type. So for a target with ``inline_callees`` a callee is copied into the caller as a
local ``def`` and ``local_functions.inline`` writes it out at each call, exactly as it does a
helper defined inside the function. Only a callee that reads every free name the way the
caller would is copied: defined in the same module, or in another whose globals it reads are
the caller's (its statements then carry the caller's line calling it, not another file's
lines), without a closure, a generator, ``@checkpoint``, a rule of its own (``srcdiff.adjoint``,
``nondifferentiable``), or defaults that are not constants, and none of whose free names the
caller binds locally. Any other call stays a call (and Numba's refusal of it names the user's line).
"""
from __future__ import annotations

import builtins
import copy
import types

from .. import ir
from ..errors import SrcdiffError
from . import local_functions, reader


def inline(tree, source, only_varargs=False):
    """``tree`` (of ``source.fn``) with its same-module callees defined at the top of its body (with
    ``only_varargs``, those taking ``*args`` or ``**kwargs`` only)."""
    fn = source.fn
    if not isinstance(fn, types.FunctionType):
        return tree
    defs = _callee_defs(tree, fn, reader.local_names(tree), [fn.__code__], only_varargs)
    if not defs:
        return tree
    return ir.FunctionDef(tree.name, tree.params, defs + list(tree.body), tree.line)


def _callee_defs(tree, fn, caller_locals, stack, only_varargs=False):
    """Definitions (callees' own callees first) of the functions ``tree`` calls that can be copied in."""
    out, seen = [], set()
    for node in ir.walk(tree):
        if not (isinstance(node, ir.Call) and isinstance(node.func, ir.Name)):
            continue
        name = node.func.id
        if name in seen or name in caller_locals:
            continue
        seen.add(name)
        callee = fn.__globals__.get(name)
        callee_def = _copyable(callee, fn, stack, only_varargs)
        if callee_def is None:
            continue
        if callee.__globals__ is not fn.__globals__ or callee.__code__.co_filename != fn.__code__.co_filename:
            callee_def = _at_line(callee_def, _call_line(tree, name))
        own = reader.local_names(callee_def)
        if _free_names(callee_def, own) & caller_locals:
            continue  # the callee reads a global the caller shadows: inlined, it would read the local
        inner = _callee_defs(callee_def, fn, caller_locals | own, stack + [callee.__code__], only_varargs)
        if any(d.name in {x.name for x in out} for d in inner):
            inner = [d for d in inner if d.name not in {x.name for x in out}]
        out.extend(inner)
        if name not in {d.name for d in out}:
            out.append(callee_def)
    return out


def _copyable(callee, fn, stack, only_varargs=False):
    """``callee``'s parsed definition when it can be written out in ``fn``, else None."""
    if not isinstance(callee, types.FunctionType) or callee.__code__ in stack:
        return None
    code = callee.__code__
    from ..rules import registry
    if registry.lookup(callee) is not None:  # the user's own rule (or nondifferentiable) decides its derivative
        return None
    if code.co_freevars or getattr(callee, "__srcdiff_checkpoint__", False) or \
            code.co_flags & (0x20 | 0x80 | 0x100 | 0x200):  # generator, coroutine, async
        return None
    try:
        callee_def = reader.load(callee).tree
    except SrcdiffError:
        return None
    if callee_def.name != callee.__name__ or callee_def.name == "<lambda>":
        return None
    if any(p.default is not None and not isinstance(p.default, ir.Const) for p in callee_def.params):
        return None
    if any(p.kind in ("vararg", "varkw") for p in callee_def.params) != only_varargs:
        return None
    if callee.__globals__ is not fn.__globals__ and not _reads_alike(callee, callee_def, fn):
        return None
    return callee_def


def _reads_alike(callee, callee_def, fn):
    """Whether every global name ``callee`` (of another module) reads means the same object in
    ``fn``'s module, so that written out in ``fn`` it reads what it reads at home."""
    missing = object()
    for name in _free_names(callee_def, reader.local_names(callee_def)):
        home = callee.__globals__.get(name, missing)
        if home is missing:
            home = getattr(builtins, name, missing)
            if home is missing or name in fn.__globals__:
                return False
        elif fn.__globals__.get(name, missing) is not home:
            return False
    return True


def _call_line(tree, name):
    """The line of the first simple statement of ``tree`` calling ``name`` (else of any statement)."""
    lines = []
    for node in ir.walk(tree):
        line = getattr(node, "line", 0)
        if line and not isinstance(node, ir.FunctionDef) and any(
                isinstance(n, ir.Call) and isinstance(n.func, ir.Name) and n.func.id == name for n in ir.walk(node)):
            lines.append((isinstance(node, (ir.If, ir.For, ir.While)), line))
    return min(lines)[1] if lines else tree.line


def _at_line(callee_def, line):
    """A copy of another file's ``callee_def`` whose statements all carry ``line``, the caller's line
    calling it (its own lines are another file's: messages point at the call instead)."""
    callee_def = copy.deepcopy(callee_def)
    for node in ir.walk(callee_def):
        if getattr(node, "line", None) is not None:
            node.line = line
    return callee_def


def _free_names(fn_def, own):
    return {n.id for n in ir.walk(fn_def) if isinstance(n, ir.Name)} - own


def run_varargs(tree, source, target):
    """The SOURCE pass for every target: callees taking ``*args`` or ``**kwargs`` are copied in as
    local functions, which ``local_functions.inline`` writes out at their calls, where the call's shape
    binds them (``call_binding``); a separately transformed function has named parameters only."""
    return inline(tree, source, only_varargs=True)


def run(tree, source, target):
    """The SOURCE pass: callees written out for targets that ask for it (``inline_callees``); when
    the copies cannot be written out (a call in a ``while`` condition, say) the calls stay calls."""
    if not target.inline_callees:
        return tree
    copied = inline(tree, source)
    if copied is tree:
        return tree
    try:
        return local_functions.inline(copied, source.filename)
    except SrcdiffError:
        return tree
