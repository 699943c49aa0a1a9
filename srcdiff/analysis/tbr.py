"""To-be-recorded: which overwritten values the reverse sweep needs back, so only those are taped.

The reverse sweep reads primal values (recorded by the reverse mode as "reads" at positions of
the primal program). A forward pass tracks the set of names whose *current* value some such read
still needs; an assignment that overwrites a name in that set pushes the old value first, and
the reverse sweep pops it back right after that statement's adjoint. Values recomputed
identically on every iteration (loop-invariant) are never pushed inside their loop.

Returns side tables: ``push_before[stmt]`` (names, in push order) and ``predefine`` (names that
may be unassigned where they are pushed, set to None at the top of the function).
"""
from __future__ import annotations

from .. import ir
from .dataflow import Forward
from .facts import changed

_PURE = {"rule", "copy", "index", "build", "unpack", "nondiff"}


class _Pinned(Forward):
    """Names whose array a called function's saved residuals may hold (its arguments and its
    result): writing into one in place would change what the callee's backward reads."""

    def __init__(self, classify, calls):
        super().__init__()
        self.classify = classify
        self.calls = calls  # call statement -> names it pins

    def join(self, a, b):
        return a | b

    def transfer(self, s, state):
        # rebinding leaves the old array alone
        return changed(state, add=self.calls.get(s, ()), remove=self.classify(s).defines())

    def loop_target(self, loop, state):
        return changed(state, remove=ir.target_names(loop.target)) if isinstance(loop, ir.For) else state


class ToBeRecorded(Forward):
    def __init__(self, classify, reads_before, reads_after, reads_head, plan=None, pinned=None, shares=None):
        super().__init__()
        self.pinned = pinned
        self.shares = shares or {}  # name -> names whose memory it may share (a write reaches them)
        self.plan = plan or LoopPlan()
        self.end_push = {}  # loop -> names pushed at the end of each iteration
        self.classify = classify
        self.reads_before = reads_before
        self.reads_after = reads_after
        self.reads_head = reads_head
        self.push_before = {}
        self.saves = {}  # in-place update -> name whose overwritten part the reverse sweep restores
        self.loop_of = {}  # simple statement -> innermost enclosing loop
        self.invariant = set()  # simple statements recomputing the same value each iteration
        self.invariant_vars = {}  # loop -> names assigned in it only by invariant statements

    def join(self, a, b):
        return a | b

    def _push(self, s, names):
        current = self.push_before.setdefault(s, [])
        for n in names:
            if n not in current:
                current.append(n)

    def stmt(self, s, state):
        if state is not None and s in self.reads_before:
            state = changed(state, add=self.reads_before[s])
        if state is not None and isinstance(s, ir.Assign):
            op = self.classify(s)
            saved = self._saved(s, op, state) if op.kind == "store" else None
            if saved is not None:  # the restore ``a[i] = pop()`` reads ``i``, and writes into the
                # array ``a`` names here: a later rebinding of ``a`` must give that array back first
                state = changed(state, add=list(ir.names_read(op.index)) + [saved])
        out = super().stmt(s, state)
        if out is not None and s in self.reads_after and not isinstance(s, ir.Return):
            out = changed(out, add=self.reads_after[s])
        self.after[s] = out
        return out

    def transfer(self, s, state):
        op = self.classify(s)
        defined = op.defines()
        loop = self.plan.loop_of.get(s)
        if s not in self.invariant and s not in self.plan.recomputed:
            late = self.plan.end_vars.get(loop, set())
            for n in defined:
                if n in state and n in late:  # saved once at the end of the iteration instead
                    current = self.end_push.setdefault(loop, [])
                    if n not in current:
                        current.append(n)
            self._push(s, [n for n in defined if n in state and n not in late])
        # an in-place update destroys part of the old value: save that part if it is needed (by
        # this function's reverse sweep, or by a callee's residuals holding the array)
        saved = self._saved(s, op, state)
        if saved is not None:
            self.saves[s] = saved
        return changed(state, remove=defined)

    def _saved(self, s, op, state):
        """The name whose overwritten part ``s`` must save, if any."""
        pinned = self.pinned.before.get(s) or frozenset() if self.pinned is not None else frozenset()
        saved = None
        for n in op.mutates():
            if n in state or n in pinned or any(m in state or m in pinned for m in self.shares.get(n, ())):
                saved = n
        return saved

    def loop(self, s, entry):
        target = ir.target_names(s.target) if isinstance(s, ir.For) else []
        kept = set(self.invariant_vars.get(s, ())) | self.plan.recomputed_names(s) | self.plan.end_vars.get(s, set())
        hoisted = [n for n in target + sorted(kept) if n in entry]
        if hoisted:
            self._push(s, hoisted)
        return super().loop(s, changed(entry, remove=set(target) | kept))

    def loop_target(self, loop, state):
        state = changed(state, remove=ir.target_names(loop.target)) if isinstance(loop, ir.For) else state
        return changed(state, add=self.reads_head.get(loop, ()))


def find_invariants(body, classify, tbr):
    """Fill ``tbr.invariant``/``invariant_vars`` for every loop in ``body``."""
    for s in body:
        if isinstance(s, (ir.For, ir.While)):
            _loop_invariants(s, classify, tbr)
        for block in ir.blocks(s):
            find_invariants(block, classify, tbr)


def _loop_invariants(loop, classify, tbr):
    """Least fixpoint: pure statements of ``loop`` computing the same value on every iteration.

    A statement qualifies when each name it reads is either not assigned anywhere in the loop,
    or is itself invariant and certainly assigned earlier in the same iteration. A name is
    invariant when its only definition in the loop is such a statement and that definition comes
    before every read of the name in the iteration: then the reverse sweep, which sees the last
    value assigned, sees the value each iteration saw.
    """
    direct = []  # simple statements whose innermost loop is ``loop``
    assigned = set(ir.target_names(loop.target)) if isinstance(loop, ir.For) else set()
    pinned = set(assigned)  # names that cannot be invariant: loop targets, nested or in-place updates
    readers = []  # (statement, names it reads) for every statement and branch test in the loop

    def scan(block, nested):
        for s in block:
            if isinstance(s, (ir.For, ir.While)):
                if isinstance(s, ir.For):
                    assigned.update(ir.target_names(s.target))
                    pinned.update(ir.target_names(s.target))
                    readers.append((s, {s.iter.id} if isinstance(s.iter, ir.Name) else set()))
                scan(s.body, True)
            elif isinstance(s, ir.If):
                readers.append((s, {s.test.id} if isinstance(s.test, ir.Name) else set()))
                scan(s.body, nested)
                scan(s.orelse, nested)
            elif isinstance(s, (ir.Assign, ir.ExprStmt, ir.Return)):
                op = classify(s)
                readers.append((s, set(op.reads())))
                names = set(op.defines()) | set(op.mutates())
                assigned.update(names)
                if nested or op.mutates():
                    pinned.update(names)
                else:
                    direct.append(s)
    scan(loop.body, False)
    in_iteration = Defined(classify)  # names certainly assigned earlier in the same iteration
    in_iteration.run([loop], frozenset())

    def earlier(n, s):
        return n in (in_iteration.before.get(s) or frozenset())

    candidates = [s for s in direct if classify(s).kind in _PURE and classify(s).defines()]
    chosen, inv_defs = [], set()
    changed = True
    while changed:
        changed = False
        for s in candidates:
            if s in chosen:
                continue
            op = classify(s)
            if all(n not in assigned or (n in inv_defs and earlier(n, s)) for n in op.reads()):
                chosen.append(s)
                changed = True
                for n in op.defines():
                    defs = [d for d in direct if n in classify(d).defines()]
                    if defs == [s] and n not in pinned and \
                            all(earlier(n, r) for r, reads in readers if n in reads and r is not s):
                        inv_defs.add(n)
    # a statement also defining names that change elsewhere in the loop cannot skip its pushes
    tbr.invariant.update(s for s in chosen if all(n in inv_defs for n in classify(s).defines()))
    tbr.invariant_vars[loop] = inv_defs


class Defined(Forward):
    """Definite assignment: names certainly bound before each statement."""

    def __init__(self, classify):
        super().__init__()
        self.classify = classify

    def join(self, a, b):
        return a & b

    def transfer(self, s, state):
        return changed(state, add=self.classify(s).defines())

    def loop_target(self, loop, state):
        if isinstance(loop, ir.For):
            return changed(state, add=ir.target_names(loop.target))
        return state


class LoopPlan:
    """Per loop: values the reverse sweep recomputes, and values saved once per iteration."""

    def __init__(self):
        self.recompute = {}  # loop -> statements re-run at the top of each reverse iteration
        self.end_vars = {}  # loop -> names pushed at the end of each iteration (loop-local values)
        self.loop_of = {}  # simple statement -> innermost enclosing loop

    @property
    def recomputed(self):
        return {s for stmts in self.recompute.values() for s in stmts}

    def recomputed_names(self, loop):
        return {n.id for s in self.recompute.get(loop, []) for n in s.targets if isinstance(n, ir.Name)}


def plan_loops(fn_def, classify, has_breaks):
    """Choose recomputation and end-of-iteration saving for every loop of ``fn_def``."""
    from .liveness import Live
    live = Live()
    live.exit_state = frozenset()
    live.run(fn_def.body, frozenset())
    plan = LoopPlan()

    def visit(block, loop):
        for s in block:
            if isinstance(s, (ir.For, ir.While)):
                _plan_loop(s, classify, plan, live, has_breaks(s))
                visit(s.body, s)
            elif isinstance(s, ir.If):
                visit(s.body, loop)
                visit(s.orelse, loop)
            elif loop is not None:
                plan.loop_of[s] = loop
    visit(fn_def.body, None)
    return plan


def _plan_loop(loop, classify, plan, live, breaks):
    assigned, defs = set(), {}
    for s in ir.walk(ir.FunctionDef("", [], loop.body)):
        if isinstance(s, ir.For):
            assigned |= set(ir.target_names(s.target))
        elif isinstance(s, (ir.Assign, ir.ExprStmt)):
            op = classify(s)
            for n in op.defines() + op.mutates():
                assigned.add(n)
                defs[n] = defs.get(n, 0) + 1
    index = set(ir.target_names(loop.target)) if isinstance(loop, ir.For) else set()
    head_live = live.head.get(loop, frozenset())
    recompute, late = [], set()
    known = set(index)  # values the reverse iteration can recompute: the index, then derived ones
    for s in loop.body:  # top-level statements run on every iteration
        if not isinstance(s, ir.Assign) or not isinstance(s.targets[0], ir.Name):
            continue
        op = classify(s)
        name = s.targets[0].id
        if defs.get(name) != 1 or name in index:
            continue
        cheap = op.kind == "index" or (isinstance(s.value, (ir.BinOp, ir.UnaryOp, ir.Compare))
                                       and getattr(s.value, "op", None) != "@")
        reads = op.reads()
        if isinstance(loop, ir.For) and cheap and op.kind in ("index", "rule", "nondiff") and \
                any(n in known for n in reads) and all(n in known or n not in assigned for n in reads):
            recompute.append(s)  # e.g. ``row = X[i]``, ``j = i - 1``: cheaper to redo than to tape
            known.add(name)
        elif isinstance(loop, ir.For) and not breaks and name not in head_live:
            late.add(name)
    plan.recompute[loop] = recompute
    plan.end_vars[loop] = late


def analyse(fn_def, classify, reads_before, reads_after, reads_head, plan=None, calls=None):
    """Run the analysis; returns (push_before, predefine, saves, end_push).

    ``calls`` maps call statements to the names whose arrays the callee's residuals may hold."""
    pinned = None
    if calls:
        pinned = _Pinned(classify, calls)
        pinned.run(fn_def.body, frozenset())
    from .aliases import memory_sources
    tbr = ToBeRecorded(classify, reads_before, reads_after, reads_head, plan, pinned,
                       memory_sources(fn_def, classify))
    find_invariants(fn_def.body, classify, tbr)
    tbr.run(fn_def.body, frozenset())
    defined = Defined(classify)
    defined.run(fn_def.body, frozenset(p.name for p in fn_def.params))
    predefine = []
    for s, names in tbr.push_before.items():
        before = defined.before.get(s) or frozenset()
        for n in names:
            if n not in before and n not in predefine:
                predefine.append(n)
    push_before = {s: names for s, names in tbr.push_before.items() if names}
    return push_before, sorted(predefine), tbr.saves, tbr.end_push


def definitely_assigned(body, params):
    """Names certainly bound after running ``body`` (parameters count as bound)."""
    from ..lower.ops import Op

    def classify(s):
        if isinstance(s, ir.Assign):
            return Op("copy", s, target=s.targets[0] if not isinstance(s.targets[0], ir.Subscript) else None)
        return Op("empty", s)
    defined = Defined(classify)
    out = defined.run(body, frozenset(p.name for p in params))
    return out if out is not None else frozenset()
