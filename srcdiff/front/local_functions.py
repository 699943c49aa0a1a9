"""Functions defined inside the differentiated function (``def`` or ``name = lambda``), inlined at their calls.

Research code defines helpers where it uses them (``def predict(x): ...`` inside the loss). A helper
defined once at the top level of the body, called directly, neither recursive nor stored, is written
out at each call: its parameters and locals renamed, its returns turned into one assignment, the
call's value computed just before the statement that uses it. Python reads a closure's free names
when it is called, as the inlined code does. Anything else about a local function is refused.
"""
from __future__ import annotations

import copy
import dataclasses
import linecache

from .. import ir
from ..context import Namer, all_names
from ..errors import UnsupportedSyntaxError, located
from . import call_binding, generators


def inline(fn_def, filename):
    """``fn_def`` with its local functions written out at their calls (``fn_def`` itself if it has none)."""
    if not any(isinstance(s, ir.FunctionDef) for s in ir.walk(ir.FunctionDef("", [], fn_def.body))):
        return fn_def
    return _Inliner(Namer(all_names(fn_def)), filename).function(fn_def)


class _Inliner:
    whole = None  # the value of the statement being rewritten: a call of a helper there is not reordered

    def __init__(self, namer, filename):
        self.namer = namer
        self.filename = filename

    def refuse(self, line, problem, fix):
        text = linecache.getline(self.filename, line).strip()
        return UnsupportedSyntaxError(located(self.filename, line, text, problem, fix))

    # -------------------------------------------------------------- collecting
    def function(self, fn_def):
        helpers, body = {}, []
        for s in fn_def.body:
            if isinstance(s, ir.FunctionDef):
                self.check_helper(s, fn_def, helpers)
                helper = self.function(s)  # its own local functions first
                body.extend(self.capture_defaults(helper))
                helpers[s.name] = helper
            else:
                self.no_nested_defs(s)
                body.append(s)
        if not helpers:
            return fn_def
        gens = {name for name, h in helpers.items() if generators.has_yield(h)}
        if gens:  # a local generator runs as a function building the list it yields
            for name in gens:
                helpers[name] = generators.as_list(helpers[name], self.filename, writes_outside)
            named = generators.Named(gens, ir.assigned_names(body, augmented=True) | {p.name for p in fn_def.params})
            generators.check_consumers(ir.FunctionDef(fn_def.name, fn_def.params, body, fn_def.line),
                                       self.filename, named)
            for h in helpers.values():
                generators.check_consumers(h, self.filename, named)
        self.check_uses(body, helpers)
        for name in self.callee_first(helpers):  # a helper's own calls of helpers are written out first
            self.check_uses(helpers[name].body, helpers)
            helpers[name] = dataclasses.replace(helpers[name], body=self.block(helpers[name].body, helpers))
        return dataclasses.replace(fn_def, body=self.block(body, helpers))

    def callee_first(self, helpers):
        calls = {name: {n.func.id for n in ir.walk(ir.FunctionDef("", [], h.body)) if isinstance(n, ir.Call)
                        and isinstance(n.func, ir.Name) and n.func.id in helpers} for name, h in helpers.items()}
        order, state = [], {}

        def visit(name, caller):
            if state.get(name) == "done":
                return
            if state.get(name) == "visiting":
                raise self.refuse(helpers[caller].line, "the local functions `%s` and `%s` call each other; srcdiff "
                                  "inlines local functions, which recursive ones cannot be" % (caller, name),
                                  "Define them at module level: srcdiff differentiates recursive module-level "
                                  "functions.")
            state[name] = "visiting"
            for callee in sorted(calls[name]):
                visit(callee, name)
            state[name] = "done"
            order.append(name)
        for name in helpers:
            visit(name, name)
        return order

    def no_nested_defs(self, stmt):
        for node in ir.walk(stmt):
            if isinstance(node, ir.FunctionDef):
                raise self.refuse(node.line, "srcdiff inlines functions defined at the top level of the "
                                  "differentiated function; `%s` is defined inside a block" % node.name,
                                  "Define `%s` before the `if`/`for`/`while`, or at module level." % node.name)

    def check_helper(self, s, outer, helpers):
        assigned = ir.assigned_names(outer.body, augmented=True) | {p.name for p in outer.params}
        if s.name in assigned or s.name in helpers or \
                sum(isinstance(t, ir.FunctionDef) and t.name == s.name for t in outer.body) > 1:
            raise self.refuse(s.line, "the local function `%s` is bound more than once" % s.name,
                              "Give each local function its own name, bound once.")
        for node in ir.walk(ir.FunctionDef("", [], s.body)):
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Name) and node.func.id == s.name and \
                    s.name not in ir.assigned_names(s.body, augmented=True) | {p.name for p in s.params}:
                raise self.refuse(s.line, "the local function `%s` calls itself; srcdiff inlines local functions, "
                                  "which a recursive one cannot be" % s.name,
                                  "Define `%s` at module level: srcdiff differentiates recursive module-level "
                                  "functions." % s.name)

    def capture_defaults(self, helper):
        """Defaults are evaluated where the ``def`` runs: bind them to fresh names there."""
        out = []
        for i, p in enumerate(helper.params):
            if p.default is not None and not isinstance(p.default, ir.Const):
                name = self.namer.fresh("%s_%s_default" % (helper.name, p.name))
                out.append(ir.Assign([ir.Name(name)], p.default, helper.line))
                helper.params[i] = dataclasses.replace(p, default=ir.Name(name))
        return out

    def check_uses(self, body, helpers):
        calls, transformed = set(), set()
        for s in body:
            for node in ir.walk(s):
                if isinstance(node, ir.Call) and isinstance(node.func, ir.Name) and node.func.id in helpers:
                    calls.add(id(node.func))
                if isinstance(node, ir.Call) and _transformation_name(node.func) and node.args:
                    transformed.add(id(node.args[0]))
        for s in body:
            line = getattr(s, "line", 0)
            for node in ir.walk(s):
                line = getattr(node, "line", line) or line
                if isinstance(node, ir.Name) and node.id in helpers and id(node) in transformed:
                    raise self.refuse(line, "srcdiff cannot differentiate a transformation (`grad`, `value_and_grad`, "
                                      "...) of the local function `%s` inside a differentiated function: it "
                                      "transforms functions it can read as a whole, and `%s` exists only while "
                                      "the function runs, with the values it captures" % (node.id, node.id),
                                      "Define `%s` at module level, taking what it captures as extra parameters, "
                                      "and differentiate it with wrt= (`srcdiff.grad(%s, wrt=0)(x, a)`)."
                                      % (node.id, node.id))
                if isinstance(node, ir.Name) and node.id in helpers and id(node) not in calls:
                    raise self.refuse(line, "the local function `%s` is used as a value (passed, stored or "
                                      "returned); srcdiff inlines local functions at their calls" % node.id,
                                      "Call `%s` directly, or define it at module level and pass it." % node.id)

    # -------------------------------------------------------------- inlining
    def block(self, stmts, helpers):
        out = []
        for s in stmts:
            out.extend(self.stmt(s, helpers))
        return out

    def stmt(self, s, helpers):
        if isinstance(s, (ir.If, ir.For, ir.While)):
            before = []
            if isinstance(s, ir.If):
                s = dataclasses.replace(s, test=self.expr(s.test, helpers, before, s.line))
            elif isinstance(s, ir.For):
                s = dataclasses.replace(s, iter=self.expr(s.iter, helpers, before, s.line))
            else:
                self.forbid(s.test, helpers, s.line, "the condition of a `while` loop")
            s = dataclasses.replace(s, body=self.block(s.body, helpers),
                                    orelse=self.block(s.orelse, helpers))
            return before + [s]
        if isinstance(s, (ir.Assign, ir.AugAssign, ir.ExprStmt, ir.Return)):
            before = []
            self.whole = s.value if isinstance(s, (ir.Assign, ir.ExprStmt, ir.Return)) else None
            s = copy.copy(s)
            for field in ("value", "target"):
                if isinstance(getattr(s, field, None), ir.Expr):
                    setattr(s, field, self.expr(getattr(s, field), helpers, before, s.line))
            if isinstance(s, ir.Assign):
                s.targets = [self.expr(t, helpers, before, s.line) for t in s.targets]
            return before + [s]
        for node in ir.walk(s):
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Name) and node.func.id in helpers:
                raise self.refuse(s.line, "srcdiff cannot inline the call of `%s` here" % node.func.id,
                                  "Call it in an assignment of its own.")
        return [s]

    def forbid(self, expr, helpers, line, where):
        for node in ir.walk(expr):
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Name) and node.func.id in helpers:
                raise self.refuse(line, "srcdiff cannot inline the local function `%s` called in %s"
                                  % (node.func.id, where),
                                  "Call it in an assignment of its own before, and use the result.")

    def expr(self, e, helpers, before, line):
        """``e`` with each call of a helper replaced by a name its inlined body (appended to ``before``) sets."""
        if isinstance(e, ir.Call) and isinstance(e.func, ir.Name) and e.func.id in helpers:
            args = [self.expr(a, helpers, before, line) for a in e.args]
            keywords = [dataclasses.replace(k, value=self.expr(k.value, helpers, before, line))
                        for k in e.keywords]
            helper = helpers[e.func.id]
            if e is not self.whole and writes_outside(helper):
                raise self.refuse(line, "the local function `%s` changes values it does not own; written out "
                                  "before this statement, it would change them before the rest of the "
                                  "statement reads them" % helper.name,
                                  "Call `%s` in an assignment of its own (`r = %s(...)`), then use `r`."
                                  % (helper.name, helper.name))
            return self.expand(helper, args, keywords, before, line)
        if isinstance(e, ir.Comprehension):
            self.forbid(e, helpers, line, "a comprehension")
            return e
        if isinstance(e, ir.IfExp):
            self.forbid(e.body, helpers, line, "a branch of a conditional expression")
            self.forbid(e.orelse, helpers, line, "a branch of a conditional expression")
            return dataclasses.replace(e, test=self.expr(e.test, helpers, before, line))
        if isinstance(e, ir.BoolOp):
            for v in e.values[1:]:
                self.forbid(v, helpers, line, "the right of `%s`" % e.op)
            return dataclasses.replace(e, values=[self.expr(e.values[0], helpers, before, line)] +
                                       list(e.values[1:]))
        changes = {}
        for f in dataclasses.fields(e):
            value = getattr(e, f.name)
            if isinstance(value, ir.Expr) or isinstance(value, ir.Keyword):
                changes[f.name] = self.sub(value, helpers, before, line)
            elif isinstance(value, list) and any(isinstance(v, (ir.Expr, ir.Keyword)) for v in value):
                changes[f.name] = [self.sub(v, helpers, before, line) for v in value]
        return dataclasses.replace(e, **changes) if changes else e

    def sub(self, v, helpers, before, line):
        if isinstance(v, ir.Keyword):
            return dataclasses.replace(v, value=self.expr(v.value, helpers, before, line))
        return self.expr(v, helpers, before, line) if isinstance(v, ir.Expr) else v

    def expand(self, helper, args, keywords, before, line):
        try:
            bound = call_binding.bind(helper, args, keywords)
        except call_binding.BindingProblem as problem:
            raise self.refuse(line, *problem.args) from None
        params = helper.params
        renames = {}
        for name in sorted(ir.assigned_names(helper.body, augmented=True) | {p.name for p in params}):
            renames[name] = self.namer.fresh("%s_%s" % (helper.name, name))
        for p in params:
            before.append(ir.Assign([ir.Name(renames[p.name])], bound[p.name], line))
        result = self.namer.fresh("%s_result" % helper.name)
        body = _rename(helper.body, renames)
        before.extend(self.single_exit(body, result, helper))
        return ir.Name(result)

    def single_exit(self, stmts, result, helper):
        """``stmts`` with every ``return v`` turned into ``result = v`` and what follows it dropped."""
        out = []
        for i, s in enumerate(stmts):
            if isinstance(s, ir.Return):
                out.append(ir.Assign([ir.Name(result)], s.value or ir.Const(None), s.line))
                return out
            if isinstance(s, ir.If) and _returns(s):
                rest = stmts[i + 1:]
                out.append(ir.If(s.test, self.single_exit(s.body + rest, result, helper),
                                 self.single_exit(s.orelse + rest, result, helper), s.line))
                return out
            if isinstance(s, (ir.For, ir.While)) and _returns(s):
                raise self.refuse(s.line, "srcdiff cannot inline `%s`: it returns from inside a loop" % helper.name,
                                  "Break out of the loop and return after it, or define `%s` at module level."
                                  % helper.name)
            out.append(s)
        out.append(ir.Assign([ir.Name(result)], ir.Const(None), helper.line))
        return out


_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "add",
             "discard", "fill", "sort", "put", "resize", "itemset", "partition", "setflags"}


def writes_outside(helper):
    """Whether ``helper`` may change something it did not create: a store into, or a method call on, a
    name it does not bind (``out[0] = v``, ``cache.append(v)``), or an ``out=`` argument."""
    own = ir.assigned_names(helper.body, augmented=True) | {p.name for p in helper.params}
    for node in ir.walk(ir.FunctionDef("", [], helper.body)):
        targets = node.targets if isinstance(node, ir.Assign) else [node.target] if isinstance(node, ir.AugAssign) \
            else []
        for t in targets:
            if isinstance(t, (ir.Subscript, ir.Attr)) or isinstance(node, ir.AugAssign):
                if _root(t) not in own:
                    return True
        if isinstance(node, ir.Call):
            if isinstance(node.func, ir.Attr) and node.func.attr in _MUTATORS and _root(node.func.value) not in own:
                return True
            if any(k.name == "out" for k in node.keywords):
                return True
    return False


def _root(target):
    while isinstance(target, (ir.Subscript, ir.Attr)):
        target = target.value
    return target.id if isinstance(target, ir.Name) else None


_TRANSFORMATIONS = {"grad", "value_and_grad", "hessian", "hvp", "jacobian", "jvp", "vjp", "forward"}


def _transformation_name(func):
    """Is ``func`` spelled like one of srcdiff's transformations (``srcdiff.grad``, ``grad``)? For the
    message only: the refusal stands whatever the name."""
    name = func.attr if isinstance(func, ir.Attr) else func.id if isinstance(func, ir.Name) else None
    return name in _TRANSFORMATIONS


def _returns(stmt):
    return any(isinstance(n, ir.Return) for n in ir.walk(stmt))


def _rename(stmts, renames):
    out = copy.deepcopy(stmts)
    for s in out:
        for node in ir.walk(s):
            if isinstance(node, ir.Name) and node.id in renames:
                node.id = renames[node.id]
    return out
