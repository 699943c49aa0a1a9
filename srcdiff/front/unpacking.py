"""Calls that unpack a tuple or dict whose length and keys are fixed in the function: ``f(*(a, b))``
is ``f(a, b)``, ``f(*t)`` with ``t = (a, b)`` bound once is ``f(t[0], t[1])``, and ``g(**opts)`` with
``opts = {"k": v}`` bound once and only ever unpacked or read is ``g(k=opts["k"])``.
Any other ``*``/``**`` in a call is left as it is (and refused where srcdiff cannot match it to parameters)."""
from __future__ import annotations

import copy
from collections import Counter

from .. import ir


def rewrite(fn_def):
    """``fn_def`` with the unpackings the module docstring describes spelled out."""
    calls = [n for n in ir.walk(fn_def) if isinstance(n, ir.Call) and
             (any(isinstance(a, ir.Starred) for a in n.args) or any(k.name is None for k in n.keywords))]
    if not calls:
        return fn_def
    tuples, dicts = _fixed(fn_def)
    displays = any(isinstance(a, ir.Starred) and isinstance(a.value, (ir.Tuple, ir.List))
                   for c in calls for a in c.args)
    if not tuples and not dicts and not displays:
        return fn_def
    fn_def = copy.deepcopy(fn_def)
    for call in (n for n in ir.walk(fn_def) if isinstance(n, ir.Call)):
        args = []
        for a in call.args:
            if isinstance(a, ir.Starred) and isinstance(a.value, (ir.Tuple, ir.List)):
                args.extend(a.value.elts)  # a display: its items, in order (a starred item stays starred)
            elif isinstance(a, ir.Starred) and isinstance(a.value, ir.Name) and a.value.id in tuples:
                args.extend(ir.Subscript(ir.Name(a.value.id), ir.Const(i)) for i in range(tuples[a.value.id]))
            else:
                args.append(a)
        keywords = []
        for k in call.keywords:
            if k.name is None and isinstance(k.value, ir.Name) and k.value.id in dicts:
                keywords.extend(ir.Keyword(key, ir.Subscript(ir.Name(k.value.id), ir.Const(key)))
                                for key in dicts[k.value.id])
            else:
                keywords.append(k)
        call.args, call.keywords = args, keywords
    return fn_def


def _fixed(fn_def):
    """({name: length} of tuples, {name: keys} of dicts) bound once to a display of fixed shape."""
    sites = Counter(p.name for p in fn_def.params)
    displays = {}
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Assign):
            for t in node.targets:
                sites.update(ir.target_names(t))
                if isinstance(t, ir.Name):
                    displays[t.id] = node.value
        elif isinstance(node, (ir.AugAssign, ir.For, ir.Generator)):
            sites.update(ir.target_names(node.target))
        elif isinstance(node, ir.FunctionDef) and node is not fn_def:
            sites[node.name] += 1
    tuples, dicts = {}, {}
    for name, value in displays.items():
        if sites[name] != 1:
            continue
        if isinstance(value, ir.Tuple) and not any(isinstance(e, ir.Starred) for e in value.elts):
            tuples[name] = len(value.elts)
        elif isinstance(value, ir.Dict) and all(isinstance(k, ir.Const) and isinstance(k.value, str) and
                                                k.value.isidentifier() for k in value.keys) and \
                len({k.value for k in value.keys}) == len(value.keys) and _only_read(fn_def, name):
            dicts[name] = [k.value for k in value.keys]
    return tuples, dicts


def _only_read(fn_def, name):
    """Is the dict ``name`` only unpacked in calls (``**name``) or read with a constant key?"""
    allowed = set()
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Call):
            allowed.update(id(k.value) for k in node.keywords if k.name is None)
        elif isinstance(node, ir.Subscript) and isinstance(node.index, ir.Const):
            allowed.add(id(node.value))
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Assign):
            for t in node.targets:  # a write ``name[k] = v`` changes it; the one binding is fine
                if isinstance(t, ir.Subscript) and isinstance(t.value, ir.Name) and t.value.id == name:
                    return False
                if isinstance(t, ir.Name) and t.id == name:
                    allowed.add(id(t))
    return all(id(n) in allowed for n in ir.walk(fn_def) if isinstance(n, ir.Name) and n.id == name)
