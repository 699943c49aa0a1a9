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

# calls with no side effects that dead-code elimination may drop, by bound helper name
PURE_HELPERS = {"unbroadcast", "zeros_like", "expand", "reduced", "owned", "floating"}


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
            if not _work(body) and isinstance(s, ir.For) and _is_replay(s):
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


def _is_replay(loop):
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


def _assigned(stmts):
    """How many assignments and ``for`` targets bind each name, nested blocks included (statements
    only: expressions hold none, so they are not walked)."""
    counts = {}

    def visit(block):
        for s in block:
            if isinstance(s, ir.Assign):
                targets = [n for t in s.targets for n in ir.target_names(t)]
            elif isinstance(s, ir.For):
                targets = ir.target_names(s.target)
            else:
                targets = ()
            for n in targets:
                counts[n] = counts.get(n, 0) + 1
            for inner in ir.blocks(s):
                visit(inner)
    visit(stmts)
    return counts


def inline_temporaries(stmts, temps, keep):
    """Substitute a temporary used exactly once, by the very next statement, into that statement.

    ``temps`` are names srcdiff invented (never the user's); ``keep`` are names that must stay
    variables (read by the reverse sweep, taped, or returned).
    """
    loads = uses(stmts)
    stores = _assigned(stmts)

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
    """``t_t4 = t_out`` at the top level, ``t_t4`` one of ``names`` assigned only there and ``t_out``
    assigned at most once: the copy is dropped and ``t_t4`` read as ``t_out`` (the same object)."""
    stores = _assigned(stmts)
    renames, seen = {}, set()
    for s in stmts:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
                isinstance(s.value, ir.Name) and s.targets[0].id in names and stores.get(s.targets[0].id) == 1 \
                and (stores.get(s.value.id, 0) == 0 or stores[s.value.id] == 1 and s.value.id in seen):
            renames[s.targets[0].id] = renames.get(s.value.id, s.value.id)
        seen.update(_assigned([s]))
    if not renames:
        return stmts
    kept = [s for s in stmts if not (isinstance(s, ir.Assign) and isinstance(s.targets[0], ir.Name)
                                     and s.targets[0].id in renames and isinstance(s.value, ir.Name))]
    return renamed(kept, renames)


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
    """Drop pure assignments whose targets nothing reads afterwards (single backward pass).

    ``is_pure(stmt)`` says whether a statement may be dropped. Loops are handled conservatively:
    anything read anywhere in a loop counts as live throughout it. ``scratch`` maps new local
    arrays to the names that may share their memory (``scratch_arrays``): a write into one of
    their elements is dropped too when none of those names is read afterwards.
    """

    def block(body, live):
        out = []
        for s in reversed(body):
            if isinstance(s, (ir.For, ir.While)):
                inner_live = set(live) | set(_loads(s)) | set(_assigned_names_in(s))
                new_body = block(s.body, inner_live)
                s = ir.For(s.target, s.iter, new_body, s.orelse, s.line) if isinstance(s, ir.For) else \
                    ir.While(s.test, new_body, s.orelse, s.line)
                live = live | set(_loads(s))
            elif isinstance(s, ir.If):
                then, els = block(s.body, set(live)), block(s.orelse, set(live))
                s = ir.If(s.test, then, els, s.line)
                live = live | set(_loads(s))
            elif isinstance(s, ir.Assign) and all(isinstance(t, (ir.Name, ir.Tuple)) for t in s.targets):
                targets = {n for t in s.targets for n in ir.target_names(t)}
                if not (targets & live) and is_pure(s):
                    continue
                live = (live - targets) | set(_loads(s))
            elif scratch and _written_array(s) in scratch and not (scratch[_written_array(s)] & live) and \
                    _calls_pure(s, is_pure):
                continue  # ``d_x[1:] = t`` with ``d_x`` and its views dead from here on
            else:
                live = live | set(_loads(s))
            out.append(s)
        return list(reversed(out))
    return block(stmts, set(live_out))


def scratch_arrays(stmts, allocates, is_pure):
    """Each new local array whose element writes ``dead_code`` may drop, with the names that may
    share its memory: ``{a: {a, v, ...}}``.

    ``a`` is assigned once, at the top level, a new array (``allocates(value)``). Its memory can
    reach another name only through pure top-level assignments to names (``v = a[1:]``,
    ``w = v + 1``: every such target joins the set, a superset of the views). Any other mention of
    the set, in a call (``tape.append(v)``), a return, a write into another object, a loop or a
    branch, disqualifies ``a``: the array might be read later through a name this analysis cannot see.
    """
    counts = _assigned(stmts)
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
    return list(_assigned(loop.body))
