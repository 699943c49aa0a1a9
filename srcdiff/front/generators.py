"""Generators consumed at once (``for W, b in layers(params):``) run as functions building the list they yield.

A generator function becomes a function whose ``yield v`` is ``items.append(v)`` and which returns
``items``. That is exact where the generator is consumed whole right where it is called (the iterable
of a ``for`` loop or comprehension, or the argument of ``list``/``tuple``/``zip``/``enumerate``/``sum`` there),
its body changes nothing it does not own, and the loop consuming it neither stops early nor writes
into what the generator reads: then computing every item before the loop gives the items Python would.
Everything else about generators is refused, naming the user's line.
"""
from __future__ import annotations

import builtins
import dataclasses
import inspect
import linecache
import types

from .. import ir
from ..context import Namer, all_names
from ..errors import UnsupportedSyntaxError, located

_CONSUMERS = {builtins.list, builtins.tuple, builtins.zip, builtins.enumerate, builtins.sum}
_FIX = ("Iterate over `%s(...)` directly in a `for` loop or comprehension, or build the list where it is "
        "called (`items = list(%s(...))`) and use `items`.")


def is_generator(obj):
    return isinstance(obj, types.FunctionType) and bool(obj.__code__.co_flags & inspect.CO_GENERATOR)


def has_yield(fn_def):
    nodes = ir.walk(ir.FunctionDef("", [], fn_def.body))
    return any(isinstance(n, ir.Unsupported) and n.kind == "Yield" for n in nodes)


def _refuse(filename, line, problem, fix):
    text = linecache.getline(filename, line).strip() if filename else ""
    return UnsupportedSyntaxError(located(filename, line, text, problem, fix))


# ------------------------------------------------------------------ the generator itself

def as_list(fn_def, filename, writes_outside):
    """The generator ``fn_def`` as a function returning the list of the values it yields."""
    if writes_outside(fn_def):
        raise _refuse(filename, fn_def.line, "the generator `%s` changes values it does not own; srcdiff computes "
                      "all of a generator's items before the loop that consumes them runs, which would make these "
                      "changes earlier than Python does" % fn_def.name,
                      "Make `%s` yield values without writing into its arguments or other outside objects "
                      "(or build and return a list yourself)." % fn_def.name)
    items = Namer(all_names(fn_def)).fresh("%s_items" % fn_def.name)
    body = _block(fn_def.body, items, fn_def, filename)
    for node in ir.walk(ir.FunctionDef("", [], body)):
        if isinstance(node, ir.Unsupported) and node.kind == "Yield":
            raise _refuse(filename, node.line, "srcdiff runs the generator `%s` as a function building the list "
                          "of what it yields; a `yield` used as a value (`x = yield v`, for `send`) cannot be "
                          "run that way" % fn_def.name,
                          "Yield values in statements of their own (`yield v`) and pass inputs as arguments.")
    line = fn_def.line
    return dataclasses.replace(fn_def, body=[ir.Assign([ir.Name(items)], ir.List([]), line)] + body +
                               [ir.Return(ir.Name(items), line)])


def _block(stmts, items, fn_def, filename):
    out = []
    for s in stmts:
        if isinstance(s, ir.ExprStmt) and isinstance(s.value, ir.Unsupported) and s.value.kind == "Yield":
            out.append(ir.ExprStmt(ir.Call(ir.Attr(ir.Name(items), "append"), [s.value.value]), s.line))
            continue
        if isinstance(s, ir.Return):
            if s.value is not None and not (isinstance(s.value, ir.Const) and s.value.value is None):
                raise _refuse(filename, s.line, "the generator `%s` returns a value (the `StopIteration` value, "
                              "which `yield from` reads)" % fn_def.name,
                              "Yield the value, or end with a bare `return`.")
            out.append(ir.Return(ir.Name(items), s.line))
            continue
        if isinstance(s, ir.While) and isinstance(s.test, ir.Const) and s.test.value and not _exits(s.body):
            raise _refuse(filename, s.line, "the generator `%s` never ends (`while True` without `break` or "
                          "`return`); srcdiff computes a generator's items before the loop that consumes them, "
                          "which an endless generator does not allow" % fn_def.name,
                          "Give the loop an end (`for i in range(n):`), and pass `n` in.")
        if isinstance(s, (ir.If, ir.For, ir.While)):
            s = dataclasses.replace(s, body=_block(s.body, items, fn_def, filename),
                                    orelse=_block(s.orelse, items, fn_def, filename))
        out.append(s)
    return out


def _exits(stmts):
    """Whether ``stmts`` (a loop's body) can leave that loop: a ``return``, or a ``break`` not in an inner loop."""
    for s in stmts:
        if isinstance(s, (ir.Return, ir.Break)):
            return True
        if isinstance(s, (ir.For, ir.While)):
            if any(isinstance(n, ir.Return) for n in ir.walk(s)):
                return True
            continue
        if any(_exits(block) for block in ir.blocks(s)):
            return True
    return False


# ------------------------------------------------------------------ where it is called

def check_consumers(fn_def, filename, generator_of):
    """Refuse each call of a generator function (``generator_of(call)`` names it, else None) that is
    not consumed whole where it is made, or whose consuming loop could see the difference."""
    allowed = {}
    for node in ir.walk(fn_def):
        iters = []
        if isinstance(node, ir.For):
            iters = [node.iter]
        elif isinstance(node, ir.Comprehension):
            iters = [g.iter for g in node.generators]
        elif isinstance(node, ir.Call) and generator_of(node) is None and _is_consumer(node, generator_of):
            iters = list(node.args)
        for it in iters:
            wrapped = it.args if isinstance(it, ir.Call) and _is_consumer(it, generator_of) else [it]
            for call in [it] + list(wrapped):
                if isinstance(call, ir.Call) and generator_of(call) is not None:
                    allowed[id(call)] = node
    line = fn_def.line
    for s in _statements(fn_def.body):
        line = getattr(s, "line", line) or line
        for node in _own_nodes(s):
            if not isinstance(node, ir.Call):
                continue
            name = generator_of(node)
            if name is None:
                continue
            if id(node) not in allowed:
                raise _refuse(filename, line, "`%s` is a generator function; srcdiff runs it as a function building "
                              "the list of what it yields, which is exact only where the generator is consumed "
                              "whole where it is called" % name, _FIX % (name, name))
            loop = allowed[id(node)]
            if isinstance(loop, ir.For) and (loop.iter is node or node in getattr(loop.iter, "args", ())):
                _check_loop(loop, node, name, filename)


def _is_consumer(call, generator_of):
    return generator_of.consumer(call)


def _check_loop(loop, call, name, filename):
    if _exits(loop.body):
        raise _refuse(filename, loop.line, "this loop over the generator `%s` can stop early (`break` or "
                      "`return`); srcdiff computes all of a generator's items before the loop runs" % name,
                      "Loop over all the items (test inside the loop instead of breaking), or build the list "
                      "you need yourself.")
    roots = set(ir.target_names(loop.target))
    for n in ir.walk(call):
        if isinstance(n, ir.Name):
            roots.add(n.id)
    written = _written_roots(loop.body) & roots
    if written:
        raise _refuse(filename, loop.line, "this loop over the generator `%s` writes into `%s`, which the generator "
                      "may read; srcdiff computes all of a generator's items before the loop runs, so they would "
                      "not see the change" % (name, sorted(written)[0]),
                      "Write into a copy (`x = x.copy()` before the loop), or build the list of items first.")


_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "fill",
             "sort", "put", "resize", "itemset", "partition"}


def _written_roots(stmts):
    out = set()
    for s in stmts:
        for node in ir.walk(s):
            targets = node.targets if isinstance(node, ir.Assign) else \
                [node.target] if isinstance(node, ir.AugAssign) else []
            for t in targets:
                if isinstance(t, (ir.Subscript, ir.Attr)) or isinstance(node, ir.AugAssign):
                    out.add(_root(t))
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and node.func.attr in _MUTATORS:
                out.add(_root(node.func.value))
            if isinstance(node, ir.Call):
                out.update(_root(k.value) for k in node.keywords if k.name == "out")
    return out


def _root(e):
    while isinstance(e, (ir.Subscript, ir.Attr)):
        e = e.value
    return e.id if isinstance(e, ir.Name) else None


def _statements(stmts):
    for s in stmts:
        yield s
        for block in ir.blocks(s):
            yield from _statements(block)


def _own_nodes(s):
    """The expression nodes of statement ``s`` itself (not of the statements in its blocks)."""
    for child in s.children():
        if isinstance(child, ir.Stmt):
            continue
        yield from ir.walk(child)


class Resolver:
    """``generator_of`` for a function being prepared: calls of the generator functions its names resolve to
    (as srcdiff resolves them: globals, closures, functions passed as arguments, local aliases)."""

    def __init__(self, ctx, missing):
        self.ctx, self.missing = ctx, missing

    def target(self, expr):
        if not isinstance(expr, (ir.Name, ir.Attr)):
            return None
        obj = self.ctx.resolve(expr)
        return None if obj is None or self.missing(obj) else obj

    def __call__(self, call):
        obj = self.target(call.func)
        return _name(call.func) if obj is not None and is_generator(obj) else None

    def consumer(self, call):
        obj = self.target(call.func)
        return obj is not None and any(obj is c for c in _CONSUMERS)

    def value_use(self, s, filename, line):
        """Refuse a generator function used as a value in statement ``s`` (passed, stored, mapped)."""
        called = {id(n.func) for n in _own_nodes(s) if isinstance(n, ir.Call)}
        for n in _own_nodes(s):
            if isinstance(n, (ir.Name, ir.Attr)) and id(n) not in called and \
                    is_generator(self.target(n)):
                raise _refuse(filename, line, "the generator function `%s` is used as a value (passed, stored or "
                              "mapped); srcdiff runs a generator as a function building the list of what it yields, "
                              "which is exact only where it is called and consumed at once" % _name(n),
                              _FIX % (_name(n), _name(n)))


class Named:
    """``generator_of`` for local functions: calls of the helpers named in ``names``."""

    def __init__(self, names, local_names):
        self.names, self.local_names = names, local_names

    def __call__(self, call):
        return call.func.id if isinstance(call.func, ir.Name) and call.func.id in self.names else None

    def consumer(self, call):
        return isinstance(call.func, ir.Name) and call.func.id in ("list", "tuple", "zip", "enumerate", "sum") and \
            call.func.id not in self.local_names


def _name(func):
    return func.id if isinstance(func, ir.Name) else func.attr if isinstance(func, ir.Attr) else "generator"


def as_list_if_generator(fn, tree, filename, writes_outside):
    """``tree`` (the function ``fn``) as a function building the list it yields, if ``fn`` is a generator
    (``writes_outside``: local_functions', which imports this module)."""
    if is_generator(fn) and has_yield(tree):
        return as_list(tree, filename, writes_outside)
    return tree


def check(tree, ctx):
    """Refuse the calls and uses of generator functions in ``tree`` that the list they build could misrepresent."""
    from . import reader
    resolver = Resolver(ctx, reader.is_missing)
    check_consumers(tree, ctx.filename, resolver)
    line = tree.line
    for s in _statements(tree.body):
        line = getattr(s, "line", line) or line
        resolver.value_use(s, ctx.filename, line)


def refuse_subject(fn):
    """Refuse differentiating a generator function itself: calling it runs nothing and returns a generator."""
    if not is_generator(fn):
        return
    code = fn.__code__
    raise _refuse(code.co_filename, code.co_firstlineno, "`%s` is a generator function (it `yield`s): calling it "
                  "returns a generator object, which has no derivative" % fn.__name__,
                  "Differentiate a function that consumes it, for example `def total(x): return sum(%s(x))`."
                  % fn.__name__)
