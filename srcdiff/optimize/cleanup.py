"""Tidy generated code: drop dead statements and empty blocks, inline one-use temporaries.

Before::

    t1 = X @ w
    t2 = -t1
    t3 = np.exp(t2)
    if c:
        pass

After::

    t3 = np.exp(-(X @ w))
"""
from __future__ import annotations

import copy

from .. import ir

def drop_empty(stmts):
    """Remove ``if``/``for`` statements left with nothing to do, and ``pass``."""
    out = []
    for s in stmts:
        if isinstance(s, ir.Pass):
            continue
        if isinstance(s, ir.If):
            body, orelse = drop_empty(s.body), drop_empty(s.orelse)
            if not _work(body) and not _work(orelse):
                continue
            if not _work(body):
                s = ir.If(_negate(s.test), orelse, [], s.line)
            else:
                s = ir.If(s.test, body, orelse if _work(orelse) else [], s.line)
        elif isinstance(s, (ir.For, ir.While)):
            body = drop_empty(s.body)
            if not _work(body) and isinstance(s, ir.For) and is_replay(s):
                continue
            s = ir.For(s.target, s.iter, body, s.orelse, s.line) if isinstance(s, ir.For) else \
                ir.While(s.test, body, s.orelse, s.line)
        out.append(s)
    # a comment followed by nothing it describes goes too
    cleaned = []
    for i, s in enumerate(out):
        if isinstance(s, ir.Comment) and (i + 1 == len(out) or isinstance(out[i + 1], ir.Comment)):
            continue
        cleaned.append(s)
    return cleaned


def is_replay(loop):
    """A reverse-sweep loop (``for i in reversed(...)``, ``for _ in range(count)``)."""
    it = loop.iter
    return isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and it.func.id in ("reversed", "range")


def _work(block):
    return any(not isinstance(s, (ir.Comment, ir.Pass)) for s in block)


def _negate(test):
    if isinstance(test, ir.UnaryOp) and test.op == "not":
        return test.operand
    return ir.UnaryOp("not", test)


def uses(stmts):
    """Count loads of every name in ``stmts`` (any depth)."""
    counts = {}
    for s in stmts:
        for node in _loads(s):
            counts[node] = counts.get(node, 0) + 1
    return counts


def _loads(s):
    """Names read by a statement (including nested blocks), with assignment targets excluded."""
    if isinstance(s, ir.Assign):
        names = [n.id for n in ir.walk(s.value) if isinstance(n, ir.Name)]
        for t in s.targets:
            if isinstance(t, ir.Subscript):
                names.extend(n.id for n in ir.walk(t) if isinstance(n, ir.Name))
        return names
    if isinstance(s, ir.AugAssign):
        return [n.id for n in ir.walk(s.value) if isinstance(n, ir.Name)] + \
            [n.id for n in ir.walk(s.target) if isinstance(n, ir.Name)]
    if isinstance(s, (ir.ExprStmt, ir.Return)):
        return [n.id for n in ir.walk(s.value) if isinstance(n, ir.Name)] if s.value is not None else []
    if isinstance(s, ir.If):
        names = [n.id for n in ir.walk(s.test) if isinstance(n, ir.Name)]
        for b in (s.body, s.orelse):
            for x in b:
                names.extend(_loads(x))
        return names
    if isinstance(s, (ir.For, ir.While)):
        head = s.iter if isinstance(s, ir.For) else s.test
        names = [n.id for n in ir.walk(head) if isinstance(n, ir.Name)]
        for x in s.body + s.orelse:
            names.extend(_loads(x))
        return names
    return []


def inline_temporaries(stmts, temps, keep):
    """Substitute a temporary used exactly once, by the very next statement, into that statement.

    ``temps`` are names srcdiff invented (never the user's); ``keep`` are names that must stay
    variables (read by the reverse sweep, taped, or returned).
    """
    loads = uses(stmts)
    stores = ir.assignment_counts(stmts)

    def candidate(s):
        if not (isinstance(s, ir.Assign) and isinstance(s.targets[0], ir.Name)):
            return None
        name = s.targets[0].id
        if name in temps and name not in keep and loads.get(name) == 1 and stores.get(name) == 1:
            return name
        return None

    def block(body):
        out = []
        for s in body:
            if isinstance(s, ir.If):
                s = ir.If(s.test, block(s.body), block(s.orelse), s.line)
            elif isinstance(s, ir.For):
                s = ir.For(s.target, s.iter, block(s.body), s.orelse, s.line)
            elif isinstance(s, ir.While):
                s = ir.While(s.test, block(s.body), s.orelse, s.line)
            while out:
                prev = out[-1]
                name = candidate(prev)
                if name is None or not _substitutable(s, name, prev.value):
                    break
                s = _substitute(s, name, prev.value)
                out.pop()
            out.append(s)
        return out
    return block(stmts)


def propagate_copies(stmts, names):
    """``a = b`` with ``a`` one of ``names``, bound only there and read only further down the same
    block, before anything binds ``b`` again: the copy is dropped and ``a`` read as ``b`` (the same
    object). (``d_x_out = d_x`` then ``d_x = d_x_out * c`` and ``d_y = d_x_out``: the last read
    comes after ``d_x`` is bound again, so that copy stays.)"""
    stores = ir.assignment_counts(stmts)
    loads = uses(stmts)

    def window(body, i, a, b):
        """The end of the statements after ``body[i]`` that hold every read of ``a``, or None."""
        seen, need = 0, loads.get(a, 0)
        for j in range(i + 1, len(body)):
            t = body[j]
            read = _loads(t).count(a)
            binds = _binds(t, b)
            seen += read
            if binds and not (read and seen == need and isinstance(t, (ir.Assign, ir.AugAssign))):
                return None  # ``b`` bound again while ``a`` is still to be read (a simple statement reads first)
            if seen == need:
                return j + 1
        return None

    def block(body):
        body = [_with_blocks(s, block) for s in body]
        i = 0
        while i < len(body):
            s = body[i]
            if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
                    isinstance(s.value, ir.Name) and s.targets[0].id in names and stores.get(s.targets[0].id) == 1 \
                    and s.value.id != s.targets[0].id and loads.get(s.targets[0].id):
                a, b = s.targets[0].id, s.value.id
                end = window(body, i, a, b)
                if end is not None:
                    body = body[:i] + renamed(body[i + 1:end], {a: b}) + body[end:]
                    loads[b] = loads.get(b, 0) + loads.pop(a) - 1
                    continue
            i += 1
        return body
    return block(stmts)


def _with_blocks(s, block):
    """``s`` with ``block`` applied to each of its nested blocks."""
    if isinstance(s, ir.If):
        return ir.If(s.test, block(s.body), block(s.orelse), s.line)
    if isinstance(s, ir.For):
        return ir.For(s.target, s.iter, block(s.body), block(s.orelse), s.line)
    if isinstance(s, ir.While):
        return ir.While(s.test, block(s.body), block(s.orelse), s.line)
    return s


def _binds(s, name):
    """Does ``s`` (at any depth) bind ``name``: assign it, loop over it, or ``name += ...``?"""
    for n in ir.walk(s):
        if isinstance(n, ir.Assign) and any(name in ir.target_names(t) for t in n.targets):
            return True
        if isinstance(n, ir.For) and name in ir.target_names(n.target):
            return True
        if isinstance(n, ir.AugAssign) and isinstance(n.target, ir.Name) and n.target.id == name:
            return True
    return False


def renamed(stmts, renames):
    """``stmts`` with every name in ``renames`` replaced (the statements that mention one are copied
    first: the input may be shared)."""
    out = []
    for s in stmts:
        if any(isinstance(n, ir.Name) and n.id in renames for n in ir.walk(s)):
            s = copy.deepcopy(s)
            for n in ir.walk(s):
                if isinstance(n, ir.Name) and n.id in renames:
                    n.id = renames[n.id]
        out.append(s)
    return out


def _substitutable(s, name, value):
    """``name`` is read once, by this simple statement, outside any nested block."""
    if isinstance(s, ir.Assign) and not isinstance(s.targets[0], ir.Subscript):
        return sum(1 for n in ir.walk(s.value) if isinstance(n, ir.Name) and n.id == name) == 1
    return False


def _substitute(s, name, value):
    def sub(e):
        if isinstance(e, ir.Name) and e.id == name:
            return value
        for fname in getattr(e, "__dataclass_fields__", {}):
            v = getattr(e, fname)
            if isinstance(v, (ir.Expr, ir.Keyword, ir.Generator)):
                setattr(e, fname, sub(v))
            elif isinstance(v, list):
                setattr(e, fname, [sub(x) if isinstance(x, (ir.Expr, ir.Keyword, ir.Generator)) else x for x in v])
        return e
    return ir.Assign(s.targets, sub(s.value), s.line)


def dead_code(stmts, live_out, is_pure, scratch=None):
    """Drop pure assignments whose targets nothing reads afterwards.

    ``is_pure(stmt)`` says whether a statement may be dropped. A loop's body is live at its end
    for what follows the loop and for what the next iteration reads (found by iterating to a
    fixed point), so a value only the loop itself carries (``s = s + np.sum(x)``, ``s`` never
    read after the loop) goes. ``scratch`` maps new local arrays to the names that may share their
    memory (``scratch_arrays``): a write into one of their elements is dropped too when none of
    those names is read afterwards.
    """

    def loop(s, live):
        """``s`` without its dead statements; ``live`` (after the loop) becomes what is live before it."""
        head = s.iter if isinstance(s, ir.For) else s.test
        header = {n.id for n in ir.walk(head) if isinstance(n, ir.Name)}
        after = set(live)
        inner_live = after | header
        while True:
            new_body, body_in = block(s.body, set(inner_live), (after, inner_live))
            if body_in <= inner_live:
                break
            inner_live |= body_in
        s = ir.For(s.target, s.iter, new_body, s.orelse, s.line) if isinstance(s, ir.For) else \
            ir.While(s.test, new_body, s.orelse, s.line)
        targets = set(ir.target_names(s.target)) if isinstance(s, ir.For) else set()
        # the body may run no time at all: what is live after the loop stays live before it
        live |= header
        live |= body_in - targets
        return s

    def block(body, live, jumps=None):
        """(``body`` without its dead statements, the names live before it); ``jumps``: what is
        live where a ``break`` and a ``continue`` of the enclosing loop go. ``live`` is its own:
        updated in place (a new set per statement was quadratic)."""
        out = []
        for s in reversed(body):
            if isinstance(s, (ir.For, ir.While)):
                s = loop(s, live)
            elif isinstance(s, (ir.Break, ir.Continue)) and jumps is not None:
                live = set(jumps[0] if isinstance(s, ir.Break) else jumps[1])
            elif isinstance(s, ir.If):
                (then, then_in), (els, else_in) = block(s.body, set(live), jumps), \
                    block(s.orelse, set(live), jumps)
                s = ir.If(s.test, then, els, s.line)
                # kept conservative: a name a branch assigns stays live before the branch
                live |= then_in
                live |= else_in
                live.update(n.id for n in ir.walk(s.test) if isinstance(n, ir.Name))
            elif isinstance(s, ir.Assign) and all(isinstance(t, (ir.Name, ir.Tuple)) for t in s.targets):
                targets = {n for t in s.targets for n in ir.target_names(t)}
                if not (targets & live) and is_pure(s):
                    continue
                live -= targets
                live.update(_loads(s))
            elif scratch and _written_array(s) in scratch and not (scratch[_written_array(s)] & live) and \
                    _calls_pure(s, is_pure):
                continue  # ``d_x[1:] = t`` with ``d_x`` and its views dead from here on
            else:
                live.update(_loads(s))
            out.append(s)
        return list(reversed(out)), live
    return block(stmts, set(live_out))[0]


def scratch_arrays(stmts, allocates, is_pure):
    """Each new local array whose element writes ``dead_code`` may drop, with the names that may
    share its memory: ``{a: {a, v, ...}}``.

    ``a`` is assigned once, at the top level, a new array (``allocates(value)``). Its memory can
    reach another name only through pure top-level assignments to names (``v = a[1:]``,
    ``w = v + 1``: every such target joins the set, a superset of the views). Any other mention of
    the set, in a call (``tape.append(v)``), a return, a write into another object, a loop or a
    branch, disqualifies ``a``: the array might be read later through a name this analysis cannot see.
    """
    counts = ir.assignment_counts(stmts)
    out = {}
    for i, s in enumerate(stmts):
        if not (isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name)
                and counts.get(s.targets[0].id) == 1 and allocates(s.value)):
            continue
        group = {s.targets[0].id}
        for later in stmts[i + 1:]:
            mentioned = {n.id for n in ir.walk(ir.FunctionDef("", [], [later])) if isinstance(n, ir.Name)} & group
            if not mentioned:
                continue
            if isinstance(later, ir.Assign) and all(_names_only(t) for t in later.targets) and is_pure(later):
                group |= {n for t in later.targets for n in ir.target_names(t)}
            elif _written_array(later) not in group:  # an escape: not a write into the array or a view
                break
        else:
            out[s.targets[0].id] = group
    return out


def _calls_pure(write, is_pure):
    """Are the calls in the index and value of ``a[k] = v`` free of effects (no ``tape.pop()``)?"""
    target = write.targets[0] if isinstance(write, ir.Assign) else write.target
    return all(is_pure(ir.Assign([ir.Name("_")], n)) for part in (target.index, write.value)
               for n in ir.walk(part) if isinstance(n, ir.Call))


def _names_only(target):
    return isinstance(target, ir.Name) or isinstance(target, ir.Tuple) and all(_names_only(e) for e in target.elts)


def _written_array(s):
    """``a`` of ``a[k] = v`` or ``a[k] += v``, else None."""
    target = s.targets[0] if isinstance(s, ir.Assign) and len(s.targets) == 1 else getattr(s, "target", None)
    if isinstance(s, (ir.Assign, ir.AugAssign)) and isinstance(target, ir.Subscript) and \
            isinstance(target.value, ir.Name):
        return target.value.id
    return None


def _assigned_names_in(loop):
    return list(ir.assignment_counts(loop.body))
