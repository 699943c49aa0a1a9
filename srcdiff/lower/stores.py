"""Assignments, augmented assignments and expression statements in one-operation form (mixed into
``normalize.Normalizer``, which provides ``atom``, ``op``, ``index``, ``into`` and ``emit``)."""
from __future__ import annotations

from .. import ir


class StoreLowering:
    """``stmt_Assign``, ``stmt_AugAssign`` and ``stmt_ExprStmt`` of ``normalize.Normalizer``."""

    def stmt_Assign(self, s):
        first, *others = s.targets
        self.store(first, s.value)
        for other in others:
            self.store(other, _as_load(first))

    def store(self, target, value):
        if isinstance(target, ir.Name):
            self.into(ir.Name(target.id), value)
        elif isinstance(target, (ir.Tuple, ir.List)):
            self.store_unpack(target, value)
        elif isinstance(target, ir.Subscript):
            if not isinstance(target.value, ir.Name):
                self.fail("assignment into a nested subscript is not supported",
                          "Index once with a tuple (`a[i, j] = v`) or assign the inner item to a name first.")
            index = self.index(target.index)
            self.emit(ir.Assign([ir.Subscript(ir.Name(target.value.id), index)], self.atom(value), self.line))
        else:
            self.fail("cannot assign to this target", "Assign to a name or to `name[index]`.")

    def store_unpack(self, target, value):
        if any(isinstance(e, ir.Starred) for e in target.elts):
            self.fail("starred assignment targets are not supported", "Unpack with explicit indices.")
        if isinstance(value, (ir.Tuple, ir.List)) and len(value.elts) == len(target.elts) \
                and not any(isinstance(e, ir.Starred) for e in value.elts):
            # parallel assignment: evaluate every right-hand side before assigning any target
            targets = set(ir.target_names(target))
            atoms = []
            for e in value.elts:
                a = self.atom(e)
                if isinstance(a, ir.Name) and a.id in targets:
                    tmp = ir.Name(self.temp())
                    self.assign(tmp, a)
                    a = ir.Name(tmp.id)
                atoms.append(a)
            for t, a in zip(target.elts, atoms):
                self.store(t, a)
            return
        flat, nested = [], []
        for e in target.elts:
            if isinstance(e, ir.Name):
                flat.append(ir.Name(e.id))
            else:
                tmp = ir.Name(self.temp())
                flat.append(tmp)
                nested.append((e, ir.Name(tmp.id)))
        self.emit(ir.Assign([ir.Tuple(flat)], self.op(value), self.line))
        for e, tmp in nested:
            self.store(e, tmp)

    def stmt_AugAssign(self, s):
        if isinstance(s.target, ir.Name):
            self.into(ir.Name(s.target.id), ir.BinOp(s.op, ir.Name(s.target.id), s.value))
            # NumPy updates an array in place here: names sharing it would see the change
            self.ctx.inplace.add((s.line, s.target.id))
        elif isinstance(s.target, ir.Subscript) and isinstance(s.target.value, ir.Name):
            index = self.index(s.target.index)
            base = ir.Name(s.target.value.id)
            old = self.atom(ir.Subscript(base, index))
            new = self.atom(ir.BinOp(s.op, old, s.value))
            self.emit(ir.Assign([ir.Subscript(ir.Name(base.id), _copy_index(index))], new, self.line))
        else:
            self.fail("augmented assignment to this target is not supported",
                      "Use `name op= value` or `name[index] op= value`.")

    def stmt_ExprStmt(self, s):
        if isinstance(s.value, ir.Const):
            return  # docstrings and stray constants do nothing
        if _appends_to_item(s.value, self.ctx.locals):
            return self.append_to_item(s.value)
        value = self.op(s.value)
        if isinstance(value, ir.Call):
            self.emit(ir.ExprStmt(value, self.line))

    def append_to_item(self, call):
        """``cache["A"].append(v)`` changes the list inside ``cache``: fetch it, append, and store it
        back (``t = cache["A"]; t.append(v); cache["A"] = t``), so that ``cache`` itself is seen to
        change, as it does in Python, instead of a temporary nothing reads again."""
        fetched = []  # (container atom, index) outermost first

        def fetch(expr):
            if isinstance(expr, ir.Subscript):
                base = fetch(expr.value)
                index = self.index(expr.index)
                item = ir.Name(self.temp())
                self.assign(item, ir.Subscript(ir.Name(base.id), index))
                fetched.append((base, index))
                return item
            return expr
        receiver = fetch(call.func.value)
        self.emit(ir.ExprStmt(ir.Call(ir.Attr(ir.Name(receiver.id), call.func.attr),
                                      self.elements(call.args), []), self.line))
        item = receiver
        for base, index in reversed(fetched):
            self.emit(ir.Assign([ir.Subscript(ir.Name(base.id), _copy_index(index))], ir.Name(item.id), self.line))
            item = base


def _as_load(target):
    if isinstance(target, ir.Name):
        return ir.Name(target.id)
    if isinstance(target, ir.Tuple):
        return ir.Tuple([_as_load(e) for e in target.elts])
    if isinstance(target, ir.List):
        return ir.List([_as_load(e) for e in target.elts])
    if isinstance(target, ir.Subscript):
        return ir.Subscript(_as_load(target.value), target.index)
    return target


def _copy_index(index):
    if isinstance(index, ir.Name):
        return ir.Name(index.id)
    if isinstance(index, ir.Slice):
        return ir.Slice(*(_copy_index(x) if x is not None else None for x in (index.lower, index.upper, index.step)))
    if isinstance(index, ir.Tuple):
        return ir.Tuple([_copy_index(e) for e in index.elts])
    return index


def _appends_to_item(value, local_names):
    """``xs[k].append(v)`` (any depth of subscripts) on a local container."""
    if not (isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr == "append"
            and isinstance(value.func.value, ir.Subscript) and not value.keywords):
        return False
    root = value.func.value
    while isinstance(root, ir.Subscript):
        root = root.value
    return isinstance(root, ir.Name) and root.id in local_names
