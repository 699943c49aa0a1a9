"""A name bound once to another name bound once (``cache = bn_params``) holds the very same object
everywhere it can be read, so its reads and writes are written through the other name
(``bn_params["running_mean"] = ...``): a write into the shared dict or array is then a write into
one name, which srcdiff follows (a parameter written into gets a private copy), instead of a write
through an alias, which it must refuse."""
from __future__ import annotations

import copy
from collections import Counter

from .. import ir


def rewrite(tree):
    """``tree`` with names that copy another name at the top level replaced by that name after the copy."""
    sites = _binding_sites(tree)
    pairs = []
    for position, s in enumerate(tree.body):
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
                isinstance(s.value, ir.Name):
            a, b = s.targets[0].id, s.value.id
            if a != b and sites[a] == 1 and sites[b] == 1 and \
                    not any(a in ir.names_read(t) for t in tree.body[:position]):
                pairs.append((position, a, b))
    if not pairs:
        return tree
    tree = copy.deepcopy(tree)
    renames = {}
    for position, a, b in pairs:
        renames[a] = renames.get(b, b)
        for s in tree.body[position + 1:]:
            for n in ir.walk(s):
                if isinstance(n, ir.Name) and n.id == a:
                    n.id = renames[a]
    return tree


def _binding_sites(tree):
    sites = Counter(p.name for p in tree.params)
    for node in ir.walk(ir.FunctionDef("", [], tree.body)):
        if isinstance(node, ir.Assign):
            for t in node.targets:
                sites.update(ir.target_names(t))
        elif isinstance(node, (ir.AugAssign, ir.For, ir.Generator)):
            sites.update(ir.target_names(node.target))
        elif isinstance(node, ir.FunctionDef):
            sites[node.name] += 1
    return sites
