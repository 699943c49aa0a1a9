"""A fresh dict entry handed to a call that writes into it, whose holder is read afterwards only at other keys."""
from __future__ import annotations

from collections import Counter

from .. import ir


def _constant_key(index):
    return index.value if isinstance(index, ir.Const) and isinstance(index.value, (str, int)) else _NO_KEY


_NO_KEY = object()


def entry_unread_after(fn_def, call, arg, live, sources):
    """Is ``arg`` (``arg = D[c]``, passed to a call that writes into it) an entry no later statement
    can see? True when the entry was stored as a fresh dict or list display held nowhere else
    (``D["bn"] = {"mode": "train"}``), ``D`` is a local holding no one else's memory, and every
    other use of ``D`` is a read or a store at another constant key (``D["W2"]``): then the values
    the call writes (into its private copy) cannot reach anything read after it (``live``: the names
    read after the call; ``sources``: ``memory_sources`` of the function). The call and ``arg``'s
    definition must be top-level statements, outside loops."""
    defs, mentions, displays = Counter(), Counter(), set()
    picked = None  # (D, c) of ``arg = D[c]``
    for s in ir.walk(fn_def):
        if isinstance(s, ir.Assign):
            for t in s.targets:
                defs.update(ir.target_names(t))
            if isinstance(s.value, (ir.Dict, ir.List)) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name):
                displays.add(s.targets[0].id)
            if len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and s.targets[0].id == arg and \
                    isinstance(s.value, ir.Subscript) and isinstance(s.value.value, ir.Name):
                picked = (s.value.value.id, _constant_key(s.value.index))
        if isinstance(s, (ir.For, ir.Generator)):
            defs.update(ir.target_names(s.target))
        if isinstance(s, ir.Name):
            mentions[s.id] += 1
    if picked is None or picked[1] is _NO_KEY or defs[arg] != 1 or arg in live:
        return False
    holder, key = picked
    params = {p.name for p in fn_def.params}
    if holder in params or defs[holder] != 1 or sources.get(holder):
        return False
    # at the top level, not in a loop (a second trip would read what the first wrote), and the fresh
    # entry stored before it is read (else the call is given whatever ``D[c]`` held before)
    order = {id(s): i for i, s in enumerate(fn_def.body)}
    read = [order[id(s)] for s in fn_def.body if _defines(s, arg)]
    stored = [order[id(s)] for s in fn_def.body if _stores(s, holder, key)]
    if id(call) not in order or not read or len(stored) != 1 or stored[0] > read[0]:
        return False
    if any(n != holder and n in live and (holder in srcs or arg in srcs) for n, srcs in sources.items()):
        return False  # another name still live may share the entry's memory
    return _uses_of_holder_are_keyed(fn_def, holder, key, arg, displays, mentions, defs)


def _uses_of_holder_are_keyed(fn_def, holder, key, arg, displays, mentions, defs):
    """Every mention of ``holder`` is its one definition, ``arg = holder[key]``, one store of a fresh
    display at ``key``, or a read or store at another constant key."""
    stored_fresh, uses = 0, 0
    for s in ir.walk(fn_def):
        if not isinstance(s, ir.Assign) or len(s.targets) != 1:
            continue
        target, value = s.targets[0], s.value
        if isinstance(target, ir.Subscript) and isinstance(target.value, ir.Name) and target.value.id == holder:
            k = _constant_key(target.index)
            if k is _NO_KEY or holder in _names(value):
                return False
            if k == key:  # the entry itself: a display held by nothing else
                if not (isinstance(value, ir.Name) and value.id in displays and defs[value.id] == 1
                        and mentions[value.id] == 2):
                    return False
                stored_fresh += 1
            uses += 1
        elif isinstance(value, ir.Subscript) and isinstance(value.value, ir.Name) and value.value.id == holder:
            k = _constant_key(value.index)
            if k is _NO_KEY or (k == key and not (isinstance(target, ir.Name) and target.id == arg)):
                return False
            uses += 1
        elif isinstance(target, ir.Name) and target.id == holder:
            uses += 1  # its one definition
    return stored_fresh == 1 and uses == mentions[holder]


def _stores(s, holder, key):
    return isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Subscript) and \
        isinstance(s.targets[0].value, ir.Name) and s.targets[0].value.id == holder and \
        _constant_key(s.targets[0].index) == key


def _defines(s, name):
    return isinstance(s, ir.Assign) and any(name in ir.target_names(t) for t in s.targets)


def _names(expr):
    return {n.id for n in ir.walk(expr) if isinstance(n, ir.Name)}
