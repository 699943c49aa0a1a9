"""Statements the fuzzer writes: assignments, in-place updates, stores, branches, loops, early
returns and lists built in loops."""
from __future__ import annotations

import copy
import re

import numpy as np

from .choosers import GenFail
from .values import E, MARGIN, Var, _leaves, fmt, is_num, par, shape, size, strip_parens


class Statements:
    """Generator methods that write one statement (``s_*``), conditions and blocks."""

    def emit(self, line):
        self.run(line, self.scope)
        self.block.append(line)

    def snapshot(self):
        return (self.copy_scope(self.scope), dict(self.pool), list(self.block), len(self.helpers),
                len(self.prelude), set(self.defined), len(self.local_defs))

    def restore(self, snap):
        scope, pool, block, nh, npre, defined, nlocal = snap
        del self.local_defs[nlocal:]
        del self.local_helpers[nlocal:]
        del self.prelude[npre:]
        self.defined = defined
        self.scope.clear()
        self.scope.update(scope)
        self.pool = pool
        self.block = block
        del self.helpers[nh:]

    def statement(self, top=True):
        """One statement (simple or compound) appended to ``self.block``; retried on failure."""
        for _ in range(8):
            snap = self.snapshot()
            try:
                kind = self.ch.weighted([
                    (10, "assign"), (3, "update"), (3, "inplace"), (3, "create"), (3 if top else 0, "if"),
                    (3 if self.loop_depth < 2 and not self.in_helper else 1 if self.loop_depth < 1 else 0, "for"),
                    (1 if self.loop_depth < 1 else 0, "while"), (1, "unpack"),
                    (2 if top and not self.in_helper else 0, "early_return"),
                    (1 if self.loop_depth == 0 and not self.in_helper else 0, "listbuild"),
                    (1, "condexpr"),
                    # issue-15 constructs (constructs.py); weight 0 when the features are off
                    (self.fx.weight("closure", 5) if self.gate("closure") and not self.in_helper else 0, "closure"),
                    (self.fx.weight("nested_list", 5) if self.gate("nested_list") and self.loop_depth == 0
                     and not self.in_helper else 0, "listbuild"),
                    # local helpers, guards and checks (local_checks.py); forced, they still leave room
                    # for loops and branches around their calls
                    (self.fx.weight("local_def", 4, forced=12) if self.gate("local_def") and not self.in_helper else 0,
                     "local_def"),
                    (self.fx.weight("local_lambda", 4, forced=12) if self.gate("local_lambda") and not self.in_helper else 0,
                     "local_lambda"),
                    (self.fx.weight("raise_assert", 1, forced=6) if self.gate("raise_assert") and self.at_top() else 0,
                     "raise_assert"),
                    (self.fx.weight("check_call", 1, forced=6) if self.gate("check_call") and not self.in_helper else 0,
                     "check_call"),
                    # objects.py: a method of the model argument, srcdiff.grad of a helper inside f
                    (self.fx.weight("objects", 3, forced=10) if "object" in self.specials and not self.in_helper
                     else 0, "method"),
                    (self.fx.weight("nested_grad", 3, forced=10) if self.gate("nested_grad") and not self.in_helper
                     else 0, "nested_grad"),
                ])
                getattr(self, "s_" + kind)()
                self.check_all_values(self.scope)
                return
            except GenFail:
                self.restore(snap)
        # last resort: a plain assignment of a leaf
        self.s_assign(simple=True)

    def new_var(self, e, prefix="v"):
        name = self.fresh(prefix)
        self.emit("%s = %s" % (name, strip_parens(e.src)))
        self.pool[name] = Var("num")
        return name

    def s_assign(self, simple=False):
        e = self.leaf() if simple else self.expr()
        if not is_num(e.val):
            raise GenFail("not a float value")
        self.new_var(e)

    def s_unpack(self):
        a, b = self.expr(2), self.expr(1)
        n1, n2 = self.fresh(), self.fresh()
        self.emit("%s, %s = %s, %s" % (n1, n2, strip_parens(a.src), strip_parens(b.src)))
        self.pool[n1] = Var("num")
        self.pool[n2] = Var("num")
        self.features.add("unpack")

    def mutable(self, name):
        """An array this function owns: not an argument, not sharing memory with anything else."""
        var = self.pool.get(name)
        if var is None or var.arg or var.kind != "num" or not re.match(r"^[A-Za-z_]\w*$", name):
            return False
        v = self.scope.get(name)
        if not isinstance(v, np.ndarray) or not v.flags.writeable:
            return False
        for k, w in self.scope.items():
            if k == name or k.startswith("__"):
                continue
            for leaf in _leaves(w):
                if leaf is v or (isinstance(leaf, np.ndarray) and np.shares_memory(leaf, v)):
                    return False
        return True

    def s_update(self):
        """Rebind an existing variable to a new value of the same shape."""
        names = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^v\d+$", n)]
        if not names:
            raise GenFail("nothing to update")
        name = self.pick(names)
        s = shape(self.ev(name))
        form = self.ch.int(0, 3)
        if form == 0 and s == ():
            op = self.ch.choice(["+=", "-=", "*="])
            rhs = self.fit(s, 1) if op != "*=" else self.e("np.tanh(%s)" % strip_parens(self.fit(s, 1).src))
            self.emit("%s %s %s" % (name, op, strip_parens(rhs.src)))
            self.features.add("augassign:scalar")
            return
        rhs = self.fit(s, 2)
        if form == 1:
            self.emit("%s = %s * %s + %s" % (name, name, fmt(self.ch.choice([0.5, 0.9, -0.3])), par(rhs.src)))
        elif form == 2:
            u = self.unary(E(name, self.ev(name)))
            self.emit("%s = %s + %s" % (name, strip_parens(u.src), par(rhs.src)))
        else:
            self.emit("%s = %s - %s" % (name, name, par(rhs.src)))
        self.features.add("rebind")

    def s_inplace(self):
        names = [n for n in self.pool if self.mutable(n)]
        if not names:
            raise GenFail("no owned array")
        self.store(self.pick(names))

    def index_for(self, s):
        """A subscript for an array of shape ``s`` (text) plus its feature name."""
        n = s[0]
        li = self.loop_var_int()
        kind = self.ch.weighted([(3, "int"), (3, "slice"), (2, "intarray"), (1, "mask"), (2, "multi"),
                                 (2 if li else 0, "loop")])
        if kind == "int":
            return str(self.ch.int(-n, n - 1)), kind
        if kind == "slice":
            return self.ch.choice(["1:", ":-1", "::2", "2:", ":2", "::-1", "1:%d" % n]), kind
        if kind == "intarray":
            idx = [self.ch.int(0, n - 1) for _ in range(self.ch.int(1, 4))]
            if len(idx) >= 2 and self.ch.flip(0.6):
                idx[-1] = idx[0]
            return (repr(idx) if self.ch.flip() else "np.array(%r)" % (idx,)), kind
        if kind == "mask":
            mask = [self.ch.flip(0.5) for _ in range(n)]
            if not any(mask):
                mask[-1] = True
            return "np.array(%r)" % (mask,), kind
        if kind == "loop":
            return "%s %% %d" % (li, n), kind
        if len(s) < 2:
            return "...", kind
        m = s[1]
        return self.ch.choice(["%d, :" % self.ch.int(0, n - 1), ":, %d" % self.ch.int(0, m - 1),
                               "1:, :%d" % max(1, m - 1), "%d, %d" % (self.ch.int(0, n - 1), self.ch.int(0, m - 1)),
                               ":, %r" % ([self.ch.int(0, m - 1) for _ in range(2)],)]), kind

    def store(self, name):
        v = self.ev(name)
        s = shape(v)
        if not s:
            raise GenFail("store into a scalar")
        idx, kind = self.index_for(s)
        target = "%s[%s]" % (name, idx)
        ts = shape(self.ev(target))
        if size(self.ev(target)) == 0:
            raise GenFail("empty store")
        op = self.ch.weighted([(4, "="), (3, "+="), (1, "-="), (1, "*=")])
        rhs = self.fit(ts, 2)
        if op == "*=":
            rhs = self.e("np.tanh(%s)" % strip_parens(rhs.src))
        self.emit("%s %s %s" % (target, op, strip_parens(rhs.src)))
        self.features.add("store:%s:%s" % (kind, op))

    def s_create(self):
        target = self.ch.choice([(3,), (4,), (2, 3), (3, 3), (5,), (2, 2)])
        existing = self.nums(lambda v: isinstance(v, np.ndarray) and v.ndim >= 1)
        form = self.ch.weighted([(4, "zeros"), (1, "ones"), (2, "zeros_like"), (2, "copy"), (1, "full"), (1, "eye")])
        name = self.fresh("y")
        if form == "zeros":
            src = "np.zeros(%r)" % (target if len(target) > 1 else target[0],)
        elif form == "ones":
            src = "np.ones(%r)" % (target,)
        elif form == "full":
            src = "np.full(%r, 0.5)" % (target,)
        elif form == "eye":
            src = "np.eye(%d)" % target[-1]
        elif form == "zeros_like" and existing:
            src = "np.zeros_like(%s)" % strip_parens(self.pick(existing).src)
        elif existing:
            e = self.pick(existing)
            src = self.ch.choice(["%s.copy()", "np.copy(%s)", "np.array(%s)"]) % strip_parens(e.src)
        else:
            src = "np.zeros(%r)" % (target,)
        self.emit("%s = %s" % (name, src))
        self.pool[name] = Var("num")
        self.features.add("create:" + form)
        for _ in range(self.ch.int(1, 3)):
            try:
                self.store(name)
            except GenFail:
                pass

    def s_condexpr(self):
        a = self.expr(2)
        s = shape(a.val)
        b = self.exact(s, 1)
        cond = self.condition()
        name = self.fresh()
        self.emit("%s = %s if %s else %s" % (name, strip_parens(a.src), cond, strip_parens(b.src)))
        self.pool[name] = Var("num")
        self.features.add("ifexp")

    # ---------------------------------------------------------------- conditions

    def cond_atom(self):
        """(expr source, value) of a scalar run-time quantity to compare."""
        a = self.expr(1)
        if shape(a.val) != ():
            a = self.reduce_full(a) if self.ch.flip(0.6) else self.e(self.ch.choice(
                ["np.sum(%s)", "np.mean(%s)", "np.max(%s)", "float(np.sum(%s))"]) % strip_parens(a.src))
        return a

    def condition(self):
        """A run-time condition text. At top level the constant is chosen now from the known value;
        inside a loop it is a placeholder calibrated when the loop is closed."""
        kind = self.ch.weighted([(6, "value"), (1, "static"), (1 if self.loop_var_int() else 0, "counter"),
                                 (1 if self.loop_depth == 0 else 0, "compound")])
        if kind == "static":
            s_items = self.nums(lambda v: np.ndim(v) >= 1)
            if not s_items:
                return "True"
            x = self.pick(s_items).src
            self.features.add("cond:static")
            return self.ch.choice(["%s.shape[0] > 2" % par(x), "len(%s) >= 3" % strip_parens(x),
                                   "%s.ndim == 2" % par(x), "np.size(%s) > 4" % strip_parens(x)])
        if kind == "counter":
            li = self.loop_var_int()
            self.features.add("cond:counter")
            return self.ch.choice(["%s %% 2 == 0" % li, "%s > 0" % li, "%s == 1" % li])
        if kind == "compound":
            c1, c2 = self.value_cond(), self.value_cond()
            self.features.add("cond:compound")
            return "%s %s %s" % (c1, self.ch.choice(["and", "or"]), c2)
        return self.value_cond()

    def value_cond(self):
        a = self.cond_atom()
        op = self.ch.choice([">", "<"])
        k = len(self.conds)
        self.conds[k] = (strip_parens(a.src), op)
        self.features.add("cond:value")
        if self.loop_depth == 0 and self.loop_conds is None:
            v = float(a.val)
            want = self.ch.flip()
            delta = 0.1 + 0.3 * abs(v)
            self.th[k] = (v - delta if want else v + delta) if op == ">" else (v + delta if want else v - delta)
            self.th[k] = float(fmt(self.th[k]))
        else:
            self.th[k] = 0.0  # calibrated when the loop is closed
            self.loop_conds.append(k)
        return "\u27e6%d\u27e7" % k

    def render(self, block, final, indent=""):
        out = []
        for item in block:
            if isinstance(item, str):
                out.append(indent + self.render_line(item, final))
            else:
                header, body = item
                out.append(indent + self.render_line(header, final))
                out.extend(self.render(body, final, indent + "    ") or [indent + "    pass"])
        return out

    def render_line(self, line, final):
        if not final and line.startswith("return "):
            return "pass"  # an early return never runs at the test point (executed at module level)

        def sub(m):
            k = int(m.group(1))
            expr, op = self.conds[k]
            if final:
                return "%s %s %s" % (expr, op, fmt(self.th[k]))
            return "__cv(%d, %s) %s __th[%d]" % (k, expr, op, k)
        return re.sub("\u27e6(\\d+)\u27e7", sub, line)

    def emit_compound(self, items):
        """Execute a compound statement (list of (header, body) items) on the real scope."""
        src = "\n".join(self.render(items, final=False)) + "\n"
        self.run(src, self.scope)
        self.block.extend(items)

    def sub_block(self, n, scope=None, pool=None):
        """Generate ``n`` statements into a new block in a scratch copy of the scope; returns the block."""
        saved = (self.scope, self.pool, self.block)
        self.scope = scope if scope is not None else self.copy_scope(self.scope)
        self.pool = dict(pool if pool is not None else self.pool)
        self.block = []
        try:
            for _ in range(n):
                self.statement(top=False)
            return self.block, self.scope, self.pool
        finally:
            self.scope, self.pool, self.block = saved

    # ------------------------------------------------------------------------ if

    def s_if(self):
        cond = self.condition()
        # which branch runs at the test point (top level: known now)
        truth = self.eval_cond(cond)
        outputs = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^[vy]\d+$", n)]
        outs = []
        if outputs:
            outs = [self.pick(outputs)]
        new = self.fresh() if self.ch.flip(0.5) or not outs else None
        new_shape = shape(self.expr(1).val) if new else None
        branches = [("if %s:" % cond)]
        if self.ch.flip(0.3):
            branches.append("elif %s:" % self.condition())
        branches.append("else:")
        items = []
        taken_done = False
        for header in branches:
            safe_before = self.safe
            runs = self.branch_runs(header, truth, taken_done)
            taken_done = taken_done or runs
            self.safe = self.safe or not runs
            try:
                body, scope, pool = self.sub_block(self.ch.int(0, 2))
                saved = (self.scope, self.pool, self.block)
                self.scope, self.pool, self.block = scope, pool, body
                try:
                    for o in outs:
                        s = shape(self.ev(o))
                        rhs = self.fit(s, 2)
                        self.emit("%s = %s * 0.5 + %s" % (o, o, par(rhs.src)))
                    if new:
                        rhs = self.exact(new_shape, 2)
                        self.emit("%s = %s" % (new, strip_parens(rhs.src)))
                finally:
                    self.scope, self.pool, self.block = saved
            finally:
                self.safe = safe_before
            items.append((header, body))
        self.emit_compound(items)
        if new:
            self.pool[new] = Var("num")
        self.features.add("if" if len(branches) == 2 else "if:elif")

    def eval_cond(self, cond):
        if self.loop_conds is not None:
            return None
        try:
            return bool(eval(self.render_line(cond, final=False), self.scope))
        except Exception as exc:  # noqa: BLE001
            raise GenFail("cond: %s" % exc) from None

    def branch_runs(self, header, truth, taken_done):
        if truth is None:
            return False
        if header.startswith("if "):
            return truth
        if header.startswith("elif "):
            return (not truth) and self.eval_cond(header[5:-1])
        return not taken_done

    def s_early_return(self):
        cond = self.condition()
        e = self.cond_atom()
        self.emit_compound([("if %s:" % cond, ["return %s" % strip_parens(e.src)])]) if not self.eval_cond(cond) \
            else self._early_return_taken(cond, e)
        self.features.add("early_return")

    def _early_return_taken(self, cond, e):
        # the early return would run at the test point: flip it so the rest of the function is live
        k = int(re.search("\u27e6(\\d+)\u27e7", cond).group(1)) if "\u27e6" in cond else None
        if k is None or " and " in cond or " or " in cond:
            raise GenFail("static early return taken")
        expr, op = self.conds[k]
        self.conds[k] = (expr, "<" if op == ">" else ">")
        self.emit_compound([("if %s:" % cond, ["return %s" % strip_parens(e.src)])])

    # ----------------------------------------------------------------------- loops

    def loop_carried(self):
        names = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^[vy]\d+$|^acc\d+$", n)]
        if not names or self.ch.flip(0.4):
            name = self.fresh("acc")
            init = self.ch.choice(["0.0", "np.zeros(%r)", "1.0"])
            if "%" in init:
                like = self.nums(lambda v: np.ndim(v) >= 1)
                init = ("np.zeros_like(%s)" % strip_parens(self.pick(like).src)) if like else "0.0"
            self.emit("%s = %s" % (name, init))
            self.pool[name] = Var("num")
            return name
        return self.pick(names)

    def s_for(self):
        self.loop(kind="for")

    def s_while(self):
        self.loop(kind="while")

    def loop(self, kind):
        outer = self.loop_conds is None
        if outer:
            self.loop_conds = []
        snap_scope = None
        try:
            carried = [self.loop_carried() for _ in range(self.ch.int(1, 2))]
            owned = [n for n in self.pool if self.mutable(n) and n not in carried]
            snap_scope = self.copy_scope(self.scope)
            header, var, first, bind = self.loop_header(kind)
            counter = None
            if kind == "while":
                counter = self.fresh("k")
                self.emit("%s = 0" % counter)
                snap_scope = self.copy_scope(self.scope)
                K = self.ch.int(1, 4)
                if self.ch.flip(0.3):
                    header = "while %s < %d and %s:" % (counter, K, self.condition_in_loop())
                else:
                    header = "while %s < %d:" % (counter, K)
                var, first, bind = counter, 0, "int"
            scope = self.copy_scope(self.scope)
            pool = dict(self.pool)
            if var is not None:
                for nm, val, kd in (bind if isinstance(bind, list) else [(var, first, bind)]):
                    scope[nm] = val
                    pool[nm] = Var(kd, arg=True)
            saved_li = self.loop_ints
            binds = bind if isinstance(bind, list) else [(var, first, bind)]
            self.loop_ints = saved_li + [nm for nm, _, kd in binds if kd == "int"]
            self.loop_depth += 1
            safe_before = self.safe
            self.safe = True
            try:
                body, bscope, bpool = self.sub_block(self.ch.int(0, 2), scope=scope, pool=pool)
                # body statements may not leak into the pool; the carried updates follow
                saved = (self.scope, self.pool, self.block)
                self.scope, self.pool, self.block = bscope, {**bpool}, body
                try:
                    if self.ch.flip(0.25):
                        self.block.append(("if %s:" % self.condition_in_loop(), ["break"]))
                        self.features.add("break")
                    if kind == "for" and self.ch.flip(0.15) and self.loop_var_int():
                        self.block.append(("if %s %% 2 == 1:" % self.loop_var_int(), ["continue"]))
                        self.features.add("continue")
                    for c in carried:
                        s = shape(self.ev(c))
                        rhs = self.fit(s, 2)
                        form = self.ch.int(0, 3)
                        if form == 0:
                            self.block.append("%s = %s * %s + %s" % (c, c, fmt(self.ch.choice([0.5, 0.9, -0.5])),
                                                                   par(rhs.src)))
                        elif form == 1:
                            self.block.append("%s = %s + %s" % (c, self.unary(E(c, self.ev(c))).src, par(rhs.src)))
                        elif form == 2 and s == ():
                            self.block.append("%s += %s" % (c, strip_parens(rhs.src)))
                        else:
                            self.block.append("%s = %s + %s * %s" % (c, c, par(rhs.src),
                                                                   fmt(self.ch.choice([0.3, 0.7]))))
                        self.run(self.render([self.block[-1]], final=False)[0], self.scope)
                    if owned and self.ch.flip(0.5):
                        o = self.pick(owned)
                        if self.mutable(o):
                            self.store(o)
                    if self.ch.flip(0.3) and self.loop_depth < 2:
                        self.statement(top=False)
                finally:
                    self.scope, self.pool, self.block = saved
            finally:
                self.loop_depth -= 1
                self.loop_ints = saved_li
                self.safe = safe_before
            if counter:
                body = body + ["%s += 1" % counter]
            items = [(header, body)]
            if kind == "for" and self.ch.flip(0.1):
                items.append(("else:", ["%s = %s * 2.0" % (carried[0], carried[0])]))
                self.features.add("for:else")
            if outer:
                self.calibrate(items, snap_scope)
            self.emit_compound(items)
            self.check_all_values(self.scope)
            self.features.add("loop:" + kind)
        finally:
            if outer:
                self.loop_conds = None

    def condition_in_loop(self):
        a = self.cond_atom()
        op = self.ch.choice([">", "<"])
        k = len(self.conds)
        self.conds[k] = (strip_parens(a.src), op)
        self.th[k] = 0.0
        self.loop_conds.append(k)
        self.features.add("cond:loop")
        return "\u27e6%d\u27e7" % k

    def loop_header(self, kind):
        """(header, loop variable, its first value, kind or [(name, value, kind)])."""
        if kind == "while":
            return None, None, None, None
        opts = [(6, "range")]
        rows = self.nums(lambda v: isinstance(v, np.ndarray) and v.ndim >= 2 or
                         (isinstance(v, np.ndarray) and v.ndim == 1 and 1 < v.shape[0] <= 4))
        lists = [n for n, v in self.pool.items() if v.kind == "list"]
        ints = [n for n, v in self.pool.items() if v.kind == "int" and n == "n"]
        opts += [(2 if rows else 0, "rows"), (2 if lists else 0, "list"), (1 if lists else 0, "enumerate"),
                 (1 if lists and rows else 0, "zip"), (2 if ints else 0, "n")]
        form = self.ch.weighted(opts)
        i = self.fresh("i")
        self.features.add("for:" + form)
        if form == "range":
            K = self.ch.int(1, 4)
            rng = self.ch.choice(["range(%d)" % K, "range(%d)" % K, "range(1, %d)" % (K + 1)])
            first = 1 if rng.startswith("range(1,") else 0
            return "for %s in %s:" % (i, rng), i, first, "int"
        if form == "n":
            return "for %s in range(n):" % i, i, 0, "int"
        if form == "rows":
            X = self.pick(rows)
            r = self.fresh("r")
            return "for %s in %s:" % (r, strip_parens(X.src)), r, copy.deepcopy(X.val[0]), "num"
        L = self.ch.choice(lists)
        vals = self.ev(L)
        w = self.fresh("w")
        if form == "list":
            return "for %s in %s:" % (w, L), w, copy.deepcopy(vals[0]), "num"
        if form == "enumerate":
            return ("for %s, %s in enumerate(%s):" % (i, w, L), i, 0,
                    [(i, 0, "int"), (w, copy.deepcopy(vals[0]), "num")])
        X = self.pick(rows)
        r = self.fresh("r")
        return ("for %s, %s in zip(%s, %s):" % (w, r, L, strip_parens(X.src)), w, None,
                [(w, copy.deepcopy(vals[0]), "num"), (r, copy.deepcopy(X.val[0]), "num")])

    def calibrate(self, items, scope_before):
        """Choose the constants of the run-time conditions inside a loop far from every value."""
        ids = list(self.loop_conds)
        if not ids:
            return
        for k in ids:
            self.th[k] = 1e9 if self.ch.flip() else -1e9
        src = "\n".join(self.render(items, final=False)) + "\n"
        for k in ids:
            self.rec = {}
            self.run(src, self.copy_scope(scope_before))
            vals = sorted(set(self.rec.get(k, [])))
            if not vals:
                self.th[k] = 0.0
                continue
            mode = self.ch.weighted([(2, "split"), (1, "below"), (1, "above")])
            gaps = [(vals[j + 1] - vals[j], (vals[j] + vals[j + 1]) / 2) for j in range(len(vals) - 1)]
            gaps = [(g, c) for g, c in gaps if g > 4 * MARGIN * (1 + abs(c))]
            if mode == "split" and gaps:
                c = max(gaps)[1]
            elif mode == "below" or (mode == "split" and self.ch.flip()):
                c = vals[0] - (0.1 + 0.3 * abs(vals[0]))
            else:
                c = vals[-1] + (0.1 + 0.3 * abs(vals[-1]))
            self.th[k] = float(fmt(c))
        self.rec = {}
        self.run(src, self.copy_scope(scope_before))
        for k in ids:
            for v in self.rec.get(k, []):
                if abs(v - self.th[k]) < MARGIN * (1 + abs(self.th[k])):
                    raise GenFail("condition too close to its constant")
        self.rec = {}

    def s_listbuild(self):
        init, name = self.list_container()
        self.emit(init)
        if name != init.split(" = ")[0] and self.ch.flip(0.4):  # a list in a container, appended to directly
            e = None
            for _ in range(self.ch.int(1, 2)):
                e = self.expr(2) if e is None else self.exact(shape(e.val), 1)
                if not is_num(e.val):
                    raise GenFail("list item")
                self.emit("%s.append(%s)" % (name, strip_parens(e.src)))
            self.new_var(self.e(self.list_readback(name, shape(e.val))))
            return
        K = self.ch.int(1, 4)
        i = self.fresh("i")
        scope = self.copy_scope(self.scope)
        scope[i] = 0
        saved = (self.scope, self.pool, self.block, self.safe, self.loop_ints)
        self.scope, self.pool, self.block, self.safe = scope, {**self.pool, i: Var("int", arg=True)}, [], True
        self.loop_ints = self.loop_ints + [i]
        self.loop_depth += 1
        try:
            e = self.expr(2)
            if not is_num(e.val):
                raise GenFail("list item")
            self.block.append("%s.append(%s)" % (name, strip_parens(e.src)))
            body = self.block
        finally:
            self.scope, self.pool, self.block, self.safe, self.loop_ints = saved
            self.loop_depth -= 1
        self.emit_compound([("for %s in range(%d):" % (i, K), body)])
        out = self.fresh()
        s = shape(e.val)
        if "[" in name:
            self.emit("%s = %s" % (out, self.list_readback(name, s)))
            self.pool[out] = Var("num")
            self.features.add("listbuild")
            return
        combine = self.ch.choice(["np.stack(%s)", "sum(%s)", "np.array(%s)"] +
                                 (["np.concatenate(%s)"] if s else []) + ["np.stack(%s, axis=-1)" if s else "sum(%s)"])
        self.emit("%s = %s" % (out, combine % name))
        self.pool[out] = Var("num")
        self.features.add("listbuild")
