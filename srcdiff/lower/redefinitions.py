"""Give a name redefined at the top level of the function a new name from there on.

The reverse sweep reads old values; a new name keeps them alive instead of taping them.
Before::

    h = np.tanh(x @ W1)
    h = np.tanh(h @ W2)
    return h.sum()

After::

    h = np.tanh(x @ W1)
    h2 = np.tanh(h @ W2)
    return h2.sum()

Only top-level definitions start a new name; a name assigned inside a loop or branch keeps
one name there (the reverse sweep restores its values from the tape when it must).
"""
from __future__ import annotations

from .. import ir


def rename_redefinitions(fn_def, ctx):
    defined = {p.name for p in fn_def.params}
    renames = {}  # original name -> current name
    body = []
    for s in fn_def.body:
        s = _rename(s, renames)
        if isinstance(s, ir.Assign) and not isinstance(s.targets[0], ir.Subscript):
            new_targets = []
            for name in ir.target_names(s.targets[0]):
                original = _original(name, renames)
                if original in defined or name in defined:
                    fresh = ctx.namer.fresh(original)
                    renames[original] = fresh
                    new_targets.append((name, fresh))
                    ctx.renamed_from[fresh] = original
                    if (s.line, name) in ctx.inplace:  # ``x += v``: still an in-place update of x
                        ctx.inplace.add((s.line, fresh))
                defined.add(original)
            if new_targets:
                mapping = dict(new_targets)
                s = ir.Assign([ir.rename_target(s.targets[0], mapping)], s.value, s.line)
        else:
            for n in _assigned_anywhere(s):
                defined.add(_original(n, renames))
        body.append(s)
    return ir.FunctionDef(fn_def.name, fn_def.params, body, fn_def.line)


def _original(name, renames):
    for orig, cur in renames.items():
        if cur == name:
            return orig
    return name


def _assigned_anywhere(s):
    names = []
    for node in ir.walk(s):
        if isinstance(node, ir.Assign):
            for t in node.targets:
                names.extend(ir.target_names(t))
        elif isinstance(node, ir.For):
            names.extend(ir.target_names(node.target))
    return names


def _rename(node, renames):
    """A copy of ``node`` with every ``Name`` renamed through ``renames``."""
    if not renames:
        return node
    if isinstance(node, ir.Name):
        return ir.Name(renames.get(node.id, node.id))
    if isinstance(node, list):
        return [_rename(x, renames) for x in node]
    if not isinstance(node, ir.Node):
        return node
    values = {}
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        if isinstance(value, (ir.Node, list)):
            value = _rename(value, renames)
        values[name] = value
    return type(node)(**values)
