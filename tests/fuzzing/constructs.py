"""The issue-15 constructs the fuzzer writes: closures from factories, module aliases, wraps
decorators, function arguments, np.r_/np.c_, lists in containers, reductions of comprehensions and
very deep expressions. NaN / complex input terms are in ``special_inputs``."""
from __future__ import annotations

import re

import numpy as np

from .choosers import GenFail
from .values import E, MAX_ENTRIES, fits, fmt, par, shape, strip_parens

CLOSURE_BODIES = ["c * np.sin(v)", "np.tanh(c * v) + v", "v * c ** 2 - c", "np.exp(-(c * v) ** 2)",
                  "c * v + np.cos(c) * v ** 2"]
FN_ARG_BODIES = [("np.tanh(p * v)", [0.7, 1.3, -0.4, 2.1]), ("v ** p", [2, 3]),
                 ("p * np.sin(v) + v", [0.5, -1.5, 2.0])]
DECORATORS = [  # (name, wrapper result, factory argument or None)
    ("scaled", "2.0 * out", None), ("shifted", "out + k", "0.5"), ("squared", "out * out", None),
    ("negated", "-out", None)]
ALIASES = {  # alias line -> (rewrites applied to f's body, a witness term that uses the alias)
    "m = np": ([(r"(?<![\w.])np\.", "m.")], "np.sum(np.sin({0}))"),
    "la = np.linalg": ([(r"(?<![\w.])np\.linalg\.", "la.")], "np.linalg.norm({0})"),
    "sin = np.sin": ([(r"(?<![\w.])np\.sin\(", "sin(")], "np.sum(np.sin({0}))"),
    "exp, tanh = np.exp, np.tanh": ([(r"(?<![\w.])np\.exp\(", "exp("), (r"(?<![\w.])np\.tanh\(", "tanh(")],
                                    "np.sum(np.tanh({0}))"),
    "pi, sqrt = np.pi, np.sqrt": ([(r"(?<![\w.])np\.sqrt\(", "sqrt("), (r"(?<![\w.])np\.pi\b", "pi")],
                                  "np.sum(np.sqrt(1.0 + {0} ** 2) * np.pi)"),
}


class Constructs:
    """Generator methods for the issue-15 constructs (``s_*`` statements, ``x_*`` expressions and the
    program-level rewrites)."""

    def roll(self, name):
        """Does feature ``name`` fire here? (No random draw at all when the features are off, so the
        grammar of before is reproduced exactly.)"""
        p = self.fx.p(name)
        return p > 0 and self.ch.flip(p)

    def gate(self, name):
        """Is feature ``name`` on in this program (rolled once, at the start of ``program``)?"""
        return self.gates.get(name, False)

    def roll_gates(self):
        for name in ("closure", "r_c", "nested_list", "list_reduce", "wraps", "local_def", "local_lambda",
                     "raise_assert", "check_call", "nested_grad"):
            self.gates[name] = self.roll(name)

    def define(self, name, lines):
        """A module-level definition (factory, decorator), executed in f's scope and the helpers'."""
        if name not in self.defined:
            self.run("\n".join(lines) + "\n", self.hscope)
            self.prelude.append(lines)
            self.defined.add(name)
        for scope in (self.scope, self.root_scope):  # a loop body's scratch scope and f's own
            scope[name] = self.hscope[name]
        return name

    def scalar_leaf(self):
        items = self.nums(lambda v: shape(v) == ())
        return self.pick(items) if items and self.ch.flip(0.8) else E("0.7", 0.7)

    # ------------------------------------------------------------------ closures

    def s_closure(self):
        """``k = make_k(c); v = k(e)``: a closure made by a module-level factory, then called."""
        if self.in_helper:
            raise GenFail("closures are made in f")
        j = self.ch.int(0, len(CLOSURE_BODIES) - 1)
        form = self.ch.choice(["def", "lambda"])
        name = "make_k%d%s" % (j, "l" if form == "lambda" else "")
        body = CLOSURE_BODIES[j]
        if form == "def":
            lines = ["def %s(c):" % name, "    def k(v):", "        return %s" % body, "    return k"]
        else:
            lines = ["def %s(c):" % name, "    return lambda v: %s" % body]
        self.define(name, lines)
        c = self.scalar_leaf()
        carg = "np.tanh(%s)" % strip_parens(c.src) if self.ch.flip(0.7) else strip_parens(c.src)
        k = self.fresh("k")
        self.emit("%s = %s(%s)" % (k, name, carg))
        e = self.expr(1)
        self.new_var(self.e("%s(%s)" % (k, strip_parens(e.src))))
        self.features.add("closure:" + form)

    # ---------------------------------------------------------------- fn arguments

    def fn_arg_param(self):
        """(name, value, maker) of an argument that is a function made by a factory."""
        j = self.ch.int(0, len(FN_ARG_BODIES) - 1)
        body, values = FN_ARG_BODIES[j]
        name = "make_g%d" % j
        self.define(name, ["def %s(p):" % name, "    def g(v):", "        return %s" % body, "    return g"])
        params = [self.ch.choice(values) for _ in range(3)]
        if params[1] == params[2]:
            params[2] = [v for v in values if v != params[1]][0]
        self.features.add("fn_arg:" + body)
        return "g", self.scope[name](params[0]), (name, params)

    def x_fnarg(self, depth):
        if "g" not in self.scope or self.in_helper:
            raise GenFail("no function argument")
        e = self.expr(max(depth - 1, 0))
        self.features.add("fn_arg:call")
        return self.e("g(%s)" % strip_parens(e.src))

    # ------------------------------------------------------------------ decorators

    def decorator(self):
        """The ``@...`` line of a functools.wraps decorator (defined at module level)."""
        name, result, karg = self.ch.choice(DECORATORS)
        if karg is None:
            lines = ["def %s(fn):" % name, "    @functools.wraps(fn)", "    def wrapper(*args, **kwargs):",
                     "        out = fn(*args, **kwargs)", "        return %s" % result, "    return wrapper"]
            line = "@%s" % name
        else:
            lines = ["def %s(k):" % name, "    def deco(fn):", "        @functools.wraps(fn)",
                     "        def wrapper(*args, **kwargs):", "            out = fn(*args, **kwargs)",
                     "            return %s" % result, "        return wrapper", "    return deco"]
            line = "@%s(%s)" % (name, karg)
        self.define(name, lines)
        self.features.add("wraps:" + name)
        return line

    # ------------------------------------------------------------------- r_ / c_

    def x_rc(self, depth):
        if self.ch.flip(0.6):
            items = self.nums(lambda v: np.ndim(v) <= 1)
            parts = [self.pick(items) for _ in range(self.ch.int(1, 3))] if items else []
            if not parts or self.ch.flip(0.2):
                parts.append(self.constant())
            self.features.add("r_c:r_")
            return self.e("np.r_[%s]" % ", ".join(strip_parens(p.src) for p in parts))
        a = self.expr(depth)
        s = shape(a.val)
        if len(s) not in (1, 2):
            raise GenFail("c_ of a scalar or 3-d value")
        others = self.nums(lambda v: np.ndim(v) == len(s) and shape(v)[0] == s[0])
        b = self.pick(others) if others else self.unary(a)
        self.features.add("r_c:c_")
        return self.e("np.c_[%s, %s]" % (strip_parens(a.src), strip_parens(b.src)))

    # ------------------------------------------------------- comprehension reductions

    def x_listreduce(self, depth):
        arrays = self.nums(lambda v: np.ndim(v) >= 1 and shape(v)[0] >= 2)
        i = self.fresh("i")
        if arrays and self.ch.flip(0.7):
            A = par(self.pick(arrays).src)
            K = self.ch.int(1, shape(self.ev(A))[0])
            item = self.ch.choice(["{A}[{i}]", "np.sin({A}[{i}]) * ({i} + 1.0)", "{A}[{i}] ** 2",
                                   "np.tanh({A}[{i}] + {i})"]).format(A=A, i=i)
        else:
            e = self.expr(max(depth - 1, 0))
            K = self.ch.int(1, 4)
            item = self.ch.choice(["{E} * {i}", "np.tanh({E} + {i})", "{E} ** 2 * ({i} + 1)"]).format(
                E=par(e.src), i=i)
        gen = "%s for %s in range(%d)" % (item, i, K)
        form = self.ch.choice(["np.sum([%s])", "np.mean([%s])", "sum(%s)", "sum([%s])", "np.stack([%s])",
                               "np.sum([%s], axis=0)", "np.array([%s])"])
        self.features.add("list_reduce:" + form.split("(")[0])
        return self.e(form % gen)

    # -------------------------------------------------------------- deep expressions

    def s_deep(self):
        if self.in_helper or self.loop_depth:
            raise GenFail("deep expressions at the top of f only")
        a = self.pick(self.nums()) if self.nums() else self.constant()
        s = shape(a.val)
        if self.ch.flip():
            n = self.ch.int(100, 400)
            others = self.nums(lambda v: fits(shape(v), s)) or [a]
            terms = []
            for j in range(n):
                b = self.ch.choice(others)
                fn = self.ch.choice(["%s", "np.sin(%s)", "np.tanh(%s)", "np.cos(%s)"])
                terms.append("%s * %s" % (fmt(round(self.ch.uniform(-1, 1) / n * 10, 4) or 0.01),
                                          fn % strip_parens(b.src) if fn != "%s" else par(b.src)))
            src = " + ".join(terms)
            self.features.add("deep:sum")
        else:
            n = self.ch.int(100, 190)  # CPython's parser refuses 200 nested parentheses
            src = strip_parens(a.src)
            for _ in range(n):
                src = "%s(%s)" % (self.ch.choice(["np.sin", "np.tanh", "np.cos"]), src)
            self.features.add("deep:nested")
        self.new_var(self.e(src))

    # ------------------------------------------------------------- nested lists

    def list_container(self):
        """(init line or None, the list expression, the holder name) for a list being built: a plain
        list, or (feature nested_list) a list inside a dict or inside a list."""
        if not (self.gate("nested_list") and self.ch.flip(0.7)):
            name = self.fresh("ys")
            return "%s = []" % name, name
        form = self.ch.int(0, 2)
        if form == 0:
            name = self.fresh("st")
            self.features.add("nested_list:dict")
            return '%s = {"h": [], "n": 0}' % name, '%s["h"]' % name
        name = self.fresh("outer")
        self.features.add("nested_list:list")
        return "%s = [[]]" % name, "%s[%s]" % (name, self.ch.choice(["0", "-1"]))

    def list_readback(self, target, s):
        forms = ["np.stack(%s)", "sum(%s)", "np.array(%s)"] + (["np.concatenate(%s)"] if s else []) + \
            ["np.stack(%s, axis=-1)" if s else "sum(%s)"]
        if "[" in target:  # read back single entries too
            forms += ["%s[-1]", "%s[0] + %s[-1]", "np.sum(%s[-1]) * 2.0"]
        form = self.ch.choice(forms)
        return form.replace("%s", target)

    # ------------------------------------------------------------- module rewrites

    def module_rewrites(self, body_lines, params):
        """Apply the module-as-argument / local-alias features to f's rendered body (pure renames:
        the function computes the same thing)."""
        out = list(body_lines)
        if "xp=np" in params:
            occ = [m.start() for line in out for m in re.finditer(r"(?<![\w.])np\.", line)]
            keep = [self.ch.flip(0.7) for _ in occ] if occ else []
            if occ and not any(keep):
                keep[0] = True
            it = iter(keep)
            out = [re.sub(r"(?<![\w.])np\.", lambda m: "xp." if next(it) else m.group(0), line) for line in out]
        for alias in self.aliases:
            rewrites, _ = ALIASES[alias]
            for pat, rep in rewrites:
                out = [re.sub(pat, rep, line) for line in out]
            out.insert(0, alias)
        return out

    def alias_witness(self, alias):
        items = self.nums(lambda v: np.ndim(v) >= 1 and np.linalg.norm(v) > 0.2 and np.size(v) <= MAX_ENTRIES)
        if not items:
            raise GenFail("no array for an alias witness")
        return self.e(ALIASES[alias][1].format(par(self.pick(items).src)))

