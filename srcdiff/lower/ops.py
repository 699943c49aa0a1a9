"""What a normalized statement does: the primitive it applies and how its operands bind.

Analyses and modes all read statements through ``classify`` so they agree on which inputs
are differentiable, which names are defined, and which are mutated in place.
"""
from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

from numpy import generic as numpy_generic
from numpy import ndarray as numpy_ndarray
from numpy import ufunc as numpy_ufunc

from ..front import nested_grads, reader
from .. import ir, rules
from ..runtime import helpers as runtime
from ..errors import MissingRuleError
from ..rules.operators import BINARY, UNARY

# the fix offered where a method's receiver may be a module srcdiff cannot see
MODULE_FIX = ("If %s holds a module, name the module where srcdiff can see it: at module level, as a "
              "parameter default (`xp=np`), as an argument of the differentiated call, or as a local alias "
              "(`xp = np`).")
# container methods srcdiff understands on lists and dicts
LIST_MUTATORS = {"append", "extend", "insert", "pop", "clear", "reverse", "sort", "remove"}
DICT_READERS = {"keys", "values", "items", "get"}


@dataclass(eq=False)
class Op:
    kind: str  # rule, copy, build, unpack, index, store, append, call, opaque, nondiff, return, empty
    stmt: ir.Stmt
    target: object = None  # Name | Tuple of Names | Subscript (for store)
    rule: object = None
    binding: dict = field(default_factory=dict)  # template parameter -> atom
    name: str = ""  # what is called, for messages
    callee: object = None  # a user function object
    args: list = field(default_factory=list)
    keywords: list = field(default_factory=list)
    source: object = None  # copy/unpack/index source atom; build: the literal
    index: object = None  # index expression (index/store)
    value: object = None  # stored or appended atom
    error: str = ""  # why a rule cannot be applied (raised only if the statement is active)
    fix: str = ""  # what the user can do about it
    receiver: object = None  # ``r`` of a method call ``r.m(...)`` read as the array method ``numpy.m(r, ...)``
    callee_names: list = field(default_factory=list)  # locals the called function itself comes from
    holder: object = None  # what the called name holds when not ``callee`` (a srcdiff.grad object)


    # ---------------------------------------------------------------- names
    def defines(self):
        """Names this statement rebinds."""
        if self.kind in ("store", "append", "scatter", "return", "empty"):
            return []
        if self.target is None:
            return []
        return ir.target_names(self.target)

    def mutates(self):
        """Names whose value is updated in place (the old value flows into the new one)."""
        if self.kind == "store":
            return [self.target.value.id]
        if self.kind in ("append", "pop", "scatter"):
            return [self.source.id]
        return []

    def diff_inputs(self):
        """Local names whose values flow differentiably into this statement's result."""
        if self.kind == "rule":
            params = self.rule.differentiable_params
            out = []
            for p in params:
                out.extend(atom_names(self.binding.get(p)))
            return _unique(out)
        if self.kind in ("copy", "unpack", "index", "pop"):
            return atom_names(self.source)
        if self.kind == "scatter":
            return _unique(atom_names(self.value) + [self.source.id])
        if self.kind == "build":
            return _unique([n for e in _literal_elements(self.source) for n in atom_names(e)])
        if self.kind == "store":
            return _unique(atom_names(self.value) + [self.target.value.id])
        if self.kind == "append":
            return _unique(atom_names(self.value) + [self.source.id])
        if self.kind in ("call", "opaque"):  # a function held in a local varies with what made it
            return _unique([n for a in self.args for n in atom_names(a)] +
                           [n for _, a in self.keywords for n in atom_names(a)] + self.callee_names)
        if self.kind == "return":
            return atom_names(self.source)
        return []

    def reads(self):
        """Every local name the primal statement reads."""
        return _unique([n.id for n in ir.walk(_value_of(self.stmt)) if isinstance(n, ir.Name)] +
                       ([n.id for n in ir.walk(self.target.index) if isinstance(n, ir.Name)] +
                        [self.target.value.id] if self.kind == "store" else []))


def _value_of(stmt):
    if isinstance(stmt, (ir.Assign, ir.ExprStmt, ir.Return)):
        return stmt.value if stmt.value is not None else ir.Const(None)
    return ir.Const(None)


def _unique(names):
    seen, out = set(), []
    for n in names:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def atom_names(atom):
    """Local variable names inside an atom (Name, or a tuple of atoms for packed arguments)."""
    if atom is None:
        return []
    if isinstance(atom, ir.Name):
        return [atom.id]
    if isinstance(atom, (tuple, list)):
        return [n for a in atom for n in atom_names(a)]
    if isinstance(atom, (ir.Tuple, ir.List)):
        return [n for a in atom.elts for n in atom_names(a)]
    if isinstance(atom, ir.Starred):
        return atom_names(atom.value)
    return []


def _literal_elements(lit):
    if isinstance(lit, ir.Dict):
        return list(lit.values)
    return list(lit.elts)


class Classifier:
    """Classifies statements of one normalized function, caching per statement."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.cache = {}

    def __call__(self, stmt):
        op = self.cache.get(stmt)
        if op is None:
            op = self.cache[stmt] = self.classify(stmt)
        return op

    def is_local(self, atom):
        return isinstance(atom, ir.Name) and atom.id in self.ctx.locals

    def classify(self, s):
        if isinstance(s, ir.Return):
            return Op("return", s, source=s.value)
        if isinstance(s, ir.ExprStmt):
            return self.expr_stmt(s)
        if not isinstance(s, ir.Assign):
            return Op("empty", s)
        target, value = s.targets[0], s.value
        if isinstance(target, ir.Subscript):
            return Op("store", s, target=target, index=target.index, value=value)
        if isinstance(value, (ir.Name, ir.Const)) or (isinstance(value, ir.Attr) and not self.is_local_root(value)):
            return Op("unpack" if isinstance(target, ir.Tuple) else "copy", s, target=target, source=value)
        if isinstance(value, ir.BinOp):
            return self.rule_op(s, target, rules.lookup(BINARY[value.op]), [value.left, value.right], [],
                                "the `%s` operator" % value.op)
        if isinstance(value, ir.UnaryOp):
            return self.rule_op(s, target, rules.lookup(UNARY[value.op]), [value.operand], [],
                                "the unary `%s` operator" % value.op)
        if isinstance(value, (ir.Compare, ir.BoolOp)):
            return Op("nondiff", s, target=target)
        if isinstance(value, ir.Subscript):
            if not self.is_local_root(value.value):
                return self.global_index(s, target, value)
            return Op("index", s, target=target, source=value.value, index=value.index)
        if isinstance(value, (ir.Tuple, ir.List)) and any(isinstance(e, ir.Starred) for e in value.elts):
            items = [e.value if isinstance(e, ir.Starred) else e for e in value.elts]
            return Op("opaque", s, target=target, args=items,
                      name="a display with `*`",
                      error="srcdiff does not differentiate a list or tuple display with a starred item (`[*a, b]`)",
                      fix="Join lists with `+` (`hs = hs + [h]`, for lists built in the function) or build the list "
                          "with `.append`.")
        if isinstance(value, (ir.Tuple, ir.List, ir.Dict)):
            return Op("build", s, target=target, source=value)
        if isinstance(value, ir.Attr):
            return self.attribute(s, target, value)
        if isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr == "pop" \
                and not value.args and isinstance(value.func.value, ir.Name) and self.is_local(value.func.value) \
                and isinstance(target, ir.Name):
            return Op("pop", s, target=target, source=value.func.value, name=".pop")  # a tape in generated code
        if isinstance(value, ir.Call):
            return self.call(s, target, value)
        read = [ir.Name(n) for n in _unique(ir.names_read(value)) if n in self.ctx.locals]  # never constant
        return Op("opaque", s, target=target, args=read, name=type(value).__name__, error="unsupported expression")

    def is_local_root(self, expr):
        """Is ``expr`` a local value or an attribute of one (not a local bound to a known module
        or function, ``xp=np`` or ``la = np.linalg``, which resolves like a global)?"""
        while isinstance(expr, ir.Attr):
            expr = expr.value
        return isinstance(expr, ir.Name) and expr.id in self.ctx.locals and expr.id not in self.ctx.statics

    def global_index(self, s, target, value):
        """``W[i]`` of a global array or container indexes a constant; any other object indexed
        (``np.s_[x]``, ``np.mgrid[0:x]``: its ``__getitem__`` computes the result) is refused when
        its index varies."""
        obj = self.ctx.resolve(value.value)
        if reader.is_missing(obj) or isinstance(obj, _CONSTANT_CONTAINERS):
            return Op("index", s, target=target, source=value.value, index=value.index)
        display = callee_display(value.value)
        return Op("opaque", s, target=target, args=_index_atoms(value.index), name="%s[...]" % display,
                  error="srcdiff cannot differentiate %s[...]: %s is %s, whose indexing srcdiff has no rule for"
                        % (display, display, _article(type(obj).__name__)),
                  fix="Build the value with NumPy functions (np.concatenate, np.stack, np.arange, np.linspace).")

    def attribute(self, s, target, value):
        known, function = rules.lookup_attribute(value.attr)
        if not known:
            return Op("opaque", s, target=target, args=[value.value], name="attribute `.%s`" % value.attr,
                      error="srcdiff does not know how to differentiate the attribute `.%s`" % value.attr,
                      fix="Pass the value in as an argument, or use a NumPy function that has a rule.")
        if function is None:
            return Op("nondiff", s, target=target)
        return self.rule_op(s, target, rules.lookup(function), [value.value], [], "`.%s`" % value.attr)

    def call(self, s, target, call):
        keywords = [(k.name, k.value) for k in call.keywords]
        func = call.func
        if isinstance(func, ir.Attr) and self.is_local_root(func):
            return self.method(s, target, call, keywords)
        obj = self.ctx.resolve(func)
        if hasattr(obj, "__srcdiff_resolve__"):  # a recursion trampoline: the generated function itself
            obj = obj.__srcdiff_resolve__() or obj
        display = callee_display(func)
        if isinstance(obj, nested_grads.Refused):  # ``srcdiff.grad(f, wrt=5)(x)``: raises when it runs
            return Op("opaque", s, target=target, args=list(call.args), keywords=keywords, name=display,
                      error=obj.problem, fix=obj.fix)
        if reader.is_missing(obj):
            held = [n.id for n in ir.walk(func) if isinstance(n, ir.Name) and n.id in self.ctx.locals]
            if held:  # a function made or picked while the code runs (a closure from a factory, ``fs[0]``)
                return Op("opaque", s, target=target, args=list(call.args), keywords=keywords, name=display,
                          callee_names=held, error=self.unknown_callee(held[0]),
                          fix="Call a module-level function by its name, passing what a closure would capture "
                              "as arguments (a function passed in as an argument can be given as a default "
                              "value, `act=np.tanh`).")
            return Op("opaque", s, target=target, args=list(call.args), keywords=keywords, name=display,
                      error="srcdiff cannot tell which function `%s` is when it transforms the code" % display,
                      fix="Call a module-level function by its name (a function passed in as an argument "
                          "can be given as a default value, `act=np.tanh`, instead).")
        if nested_grads.is_transformation(obj):  # ``dE = srcdiff.grad(energy)`` ... ``dE(q)``
            return self.transformation_call(s, target, call, keywords, obj, display)
        rule = rules.lookup(obj)
        if rule is not None:
            return self.rule_op(s, target, rule, list(call.args), keywords, display)
        if (isinstance(obj, (types.FunctionType, types.MethodType)) or hasattr(obj, "__srcdiff_callable__")) \
                and not _numpy_library(obj):
            return Op("call", s, target=target, callee=obj, args=list(call.args), keywords=keywords, name=display)
        problem, fix = _no_rule_message(display, obj)
        return Op("opaque", s, target=target, args=list(call.args), keywords=keywords, name=display,
                  error=problem, fix=fix)

    def transformation_call(self, s, target, call, keywords, obj, display):
        """A call of a srcdiff.grad or value_and_grad object: a call of the gradient code it generates."""
        if display not in self.ctx.source_names:  # the temporary ``srcdiff.grad(loss)(x)`` binds: say what it is
            display = nested_grads.spelled(obj)
        fn, found = nested_grads.generated_callee(obj, display)  # (function, its guards) or (None, refusal)
        if fn is None:
            return Op("opaque", s, target=target, args=list(call.args), keywords=keywords, name=display,
                      error=found[0], fix=found[1])
        self.ctx.guards.extend(found)
        return Op("call", s, target=target, callee=fn, args=list(call.args), keywords=keywords, name=display,
                  holder=obj)

    def unknown_callee(self, name):
        user = self.ctx.renamed_from.get(name, name)
        known = user in self.ctx.source_names  # not a temporary of ``getattr(h, "f")(x)``
        what = ("which function `%s` is" % user) if known else "which function is called here"
        return ("srcdiff cannot tell %s: a function held in a local variable (a closure returned by a factory, a "
                "function taken from a list, dict, object or `getattr`, a function assigned to a name) is not known "
                "when srcdiff transforms the code, so its derivative is unknown" % what)

    def method(self, s, target, call, keywords):
        receiver, name = call.func.value, call.func.attr
        if isinstance(s, ir.ExprStmt) and name in LIST_MUTATORS:
            if name == "append" and len(call.args) == 1 and not keywords:
                return Op("append", s, source=receiver, value=call.args[0], name=".append")
            if name == "pop" and not call.args and not keywords and isinstance(receiver, ir.Name):
                return Op("pop", s, source=receiver, name=".pop")  # an item dropped off a tape
            return Op("opaque", s, args=[receiver] + list(call.args), name="`.%s()`" % name,
                      error="srcdiff supports only `.append(value)` among list mutations",
                      fix="Build a new list instead of calling `.%s()`." % name)
        entry = rules.lookup_method(name)
        if entry is None:
            return Op("opaque", s, target=target, args=[receiver] + list(call.args), keywords=keywords,
                      name="method `.%s()`" % name,
                      error="srcdiff does not know how to differentiate the method `.%s()` of `%s` (methods "
                            "of user classes are not differentiated)" % (name, callee_display(receiver)),
                      fix=MODULE_FIX % ("`%s`" % callee_display(receiver))
                      + " Otherwise call a module-level function and pass it the object's arrays as arguments.")
        function, adapter = entry
        args = [receiver] + list(call.args)
        if adapter is not None:
            args, keywords = adapter(receiver, list(call.args), keywords)
        op = self.rule_op(s, target, rules.lookup(function), args, keywords, "`.%s()`" % name)
        op.receiver = receiver
        return op

    def rule_op(self, s, target, rule, args, keywords, display):
        if rule is None:
            return Op("opaque", s, target=target, args=args, keywords=keywords, name=display,
                      error="srcdiff has no derivative rule for %s" % display,
                      fix="Register one with @srcdiff.adjoint.")
        if rule.nondifferentiable:
            binding = rule.bind_signature(args, keywords)
            return Op("nondiff", s, target=target, rule=rule, name=rule.name, args=args, keywords=keywords,
                      binding=binding)
        if any(isinstance(a, ir.Starred) for a in args) or any(k is None for k, _ in keywords):
            return Op("opaque", s, target=target, args=args, keywords=keywords, name=rule.name,
                      error="srcdiff cannot match `*args`/`**kwargs` in a call of %s to its rule" % rule.name,
                      fix="Pass the arguments one by one.")
        missing = {"reverse": rule.adjoint, "forward": rule.tangent}.get(self.ctx.mode, rule) is None
        if missing and isinstance(rule.obj, types.FunctionType) and \
                rule.obj.__module__.startswith("srcdiff.runtime.kernels"):  # a kernel: differentiate its source
            return Op("call", s, target=target, callee=rule.obj, args=args, keywords=keywords, name=display)
        if rule.adjoint is None and rule.tangent is None:
            problem, fix = _no_rule_message(rule.name, rule.obj)
            return Op("opaque", s, target=target, args=args, keywords=keywords, name=rule.name, error=problem,
                      fix=fix)
        try:
            binding = rule.bind(args, keywords)
        except MissingRuleError as exc:
            return Op("opaque", s, target=target, args=args, keywords=keywords, name=rule.name, error=str(exc),
                      fix="Call it without that argument, or register your own rule with @srcdiff.adjoint.")
        return Op("rule", s, target=target, rule=rule, binding=binding, name=rule.name, args=args,
                  keywords=keywords)

    def expr_stmt(self, s):
        call = s.value
        if not isinstance(call, ir.Call):
            return Op("empty", s)
        if isinstance(call.func, ir.Name) and len(call.args) == 3 and isinstance(call.args[0], ir.Name) \
                and self.ctx.resolve(call.func) is runtime.add_at:  # ``add_at(d, i, v)`` in generated code
            return Op("scatter", s, source=call.args[0], index=call.args[1], value=call.args[2], name="add_at")
        if isinstance(call.func, ir.Name) and len(call.args) == 4 and isinstance(call.args[0], ir.Name) \
                and self.ctx.resolve(call.func) is runtime.first_at:  # the same sum, keeping new arrays
            return Op("scatter", s, source=call.args[0], index=call.args[1], value=call.args[2], name="add_at")
        op = self.call(s, None, call) if not (isinstance(call.func, ir.Attr) and self.is_local_root(call.func)) \
            else self.method(s, None, call, [(k.name, k.value) for k in call.keywords])
        return op


_CONSTANT_CONTAINERS = (numpy_ndarray, numpy_generic, list, tuple, dict, str, bytes, int, float, complex, range)


def _numpy_library(obj):
    """Is ``obj`` a Python function of NumPy or SciPy? Those are called as black boxes: differentiated
    by a rule, or refused by name, never by transforming the library's source."""
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in ("numpy", "scipy")


def _index_atoms(index):
    """The atoms an index expression reads (a tuple's elements, a slice's bounds)."""
    if isinstance(index, ir.Tuple):
        return [a for e in index.elts for a in _index_atoms(e)]
    if isinstance(index, ir.Slice):
        return [b for b in (index.lower, index.upper, index.step) if b is not None]
    return [index]


def callee_display(func):
    if isinstance(func, ir.Name):
        return func.id
    if isinstance(func, ir.Attr):
        return "%s.%s" % (callee_display(func.value), func.attr)
    return "<expression>"


def _no_rule_message(display, obj):
    """(problem, fix) for a call srcdiff cannot differentiate."""
    # a derivative refused on purpose (runtime/kernels_stats.Refusal)
    refusal = getattr(obj, "__srcdiff_refusal__", None)
    if refusal is not None:
        return refusal
    stats = sys.modules.get("srcdiff.rules.scipy_stats")  # loaded once the user's code imports scipy.stats
    refusal = stats.refusal(obj) if stats is not None else None
    if refusal is not None:
        return refusal
    if reader.is_wrapper_object(obj):
        return ("%s is called here, but it is %s object wrapping a function (made by a decorator such as "
                "functools.lru_cache), and what the object does around the function has no Python source"
                % (display, _article(type(obj).__name__)),
                "Call the undecorated function, `%s.__wrapped__(...)`, or remove the decorator (a cache cannot "
                "hold arrays anyway)." % display)
    if obj is not None and not isinstance(obj, (types.FunctionType, types.BuiltinFunctionType, numpy_ufunc)) \
            and not hasattr(obj, "__name__"):
        return ("%s is called here, but it is %s, and srcdiff differentiates only plain functions "
                "(not callable objects or partial functions)" % (display, _article(type(obj).__name__)),
                "Call a module-level function instead, passing what the object holds as arguments.")
    name = rules.registry.qualified_name(obj) if obj is not None else display
    return ("srcdiff has no derivative rule for %s" % name,
            "Register one with @srcdiff.adjoint(%s) (and @srcdiff.tangent for forward mode), or declare "
            "srcdiff.nondifferentiable(%s) if its result does not depend differentiably on its inputs."
            % (name, name))


def _article(noun):
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun
