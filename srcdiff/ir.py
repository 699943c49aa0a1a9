"""srcdiff's own syntax tree: the small, gast-free form that every pass reads and writes.

Nodes compare by identity, so analyses can key side tables by node. Statements carry
``line``, the line in the user's file they came from (0 for code srcdiff made up).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields


_FIELD_NAMES = {}  # node class -> its dataclass field names (``fields()`` is slow, and every pass walks)
_REVERSED_FIELDS = {}  # node class -> those names in reverse order
_NO_NODES = {"str", "str | None", "int", str, int}  # field types that never hold a node: not looked at


class Node:
    """Base of every node; ``children`` lists sub-nodes in source order."""

    def children(self):
        names = _FIELD_NAMES.get(type(self)) or _field_names(type(self))
        if not names:
            return []
        out = []
        for name in names:
            value = getattr(self, name)
            if isinstance(value, Node):
                out.append(value)
            elif isinstance(value, list):
                out.extend(item for item in value if isinstance(item, Node))
        return out


def _field_names(cls):
    """The names of the fields of ``cls`` that may hold nodes, in order; and, for ``walk``, reversed."""
    names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls) if f.type not in _NO_NODES)
    _REVERSED_FIELDS[cls] = names[::-1]
    return names


class Expr(Node):
    pass


class Stmt(Node):
    pass


# ---------------------------------------------------------------- expressions

@dataclass(eq=False)
class Name(Expr):
    id: str


@dataclass(eq=False)
class Const(Expr):
    value: object


@dataclass(eq=False)
class Attr(Expr):
    value: Expr
    attr: str


@dataclass(eq=False)
class Keyword(Node):
    name: str | None  # None for **mapping
    value: Expr


@dataclass(eq=False)
class Call(Expr):
    func: Expr
    args: list
    keywords: list = field(default_factory=list)


@dataclass(eq=False)
class BinOp(Expr):
    op: str  # '+', '-', '*', '/', '//', '%', '**', '@', '&', '|', '^', '<<', '>>'
    left: Expr
    right: Expr


@dataclass(eq=False)
class UnaryOp(Expr):
    op: str  # '-', '+', 'not', '~'
    operand: Expr


@dataclass(eq=False)
class Compare(Expr):
    left: Expr
    ops: list  # '<', '<=', '>', '>=', '==', '!=', 'is', 'is not', 'in', 'not in'
    comparators: list


@dataclass(eq=False)
class BoolOp(Expr):
    op: str  # 'and', 'or'
    values: list


@dataclass(eq=False)
class IfExp(Expr):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(eq=False)
class Subscript(Expr):
    value: Expr
    index: Expr


@dataclass(eq=False)
class Slice(Expr):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(eq=False)
class Tuple(Expr):
    elts: list


@dataclass(eq=False)
class List(Expr):
    elts: list


@dataclass(eq=False)
class Dict(Expr):
    keys: list  # a None key is a ``**mapping`` entry
    values: list


@dataclass(eq=False)
class Starred(Expr):
    value: Expr


@dataclass(eq=False)
class Generator(Node):
    target: Expr
    iter: Expr
    ifs: list


@dataclass(eq=False)
class Comprehension(Expr):
    kind: str  # 'list', 'set', 'dict', 'generator'
    elt: Expr
    key: Expr | None  # dict comprehensions only
    generators: list


@dataclass(eq=False)
class Unsupported(Expr):
    """Syntax srcdiff does not handle; the fence turns it into an error."""

    kind: str
    line: int
    text: str
    value: Expr | None = None  # what a ``yield`` yields (front.generators turns it into an append)


# ----------------------------------------------------------------- statements

@dataclass(eq=False)
class Assign(Stmt):
    targets: list
    value: Expr
    line: int = 0


@dataclass(eq=False)
class AugAssign(Stmt):
    target: Expr
    op: str
    value: Expr
    line: int = 0


@dataclass(eq=False)
class ExprStmt(Stmt):
    value: Expr
    line: int = 0


@dataclass(eq=False)
class Return(Stmt):
    value: Expr | None
    line: int = 0


@dataclass(eq=False)
class If(Stmt):
    test: Expr
    body: list
    orelse: list
    line: int = 0


@dataclass(eq=False)
class For(Stmt):
    target: Expr
    iter: Expr
    body: list
    orelse: list
    line: int = 0


@dataclass(eq=False)
class While(Stmt):
    test: Expr
    body: list
    orelse: list
    line: int = 0


@dataclass(eq=False)
class Break(Stmt):
    line: int = 0


@dataclass(eq=False)
class Continue(Stmt):
    line: int = 0


@dataclass(eq=False)
class Pass(Stmt):
    line: int = 0


@dataclass(eq=False)
class Comment(Stmt):
    """A ``# text`` line in generated code."""

    text: str
    line: int = 0


@dataclass(eq=False)
class UnsupportedStmt(Stmt):
    kind: str
    line: int
    text: str


@dataclass(eq=False)
class Param(Node):
    name: str
    kind: str  # 'positional_only', 'positional', 'vararg', 'keyword_only', 'varkw'
    default: Expr | None = None


@dataclass(eq=False)
class FunctionDef(Stmt):
    name: str
    params: list
    body: list
    line: int = 0


# ------------------------------------------------------------------- helpers

def walk(node):
    """Yield ``node`` and every node below it, parents before children."""
    # ``children`` inlined (every pass walks): a node's children pushed last to first
    stack = [node]
    pop, push, layout = stack.pop, stack.append, _REVERSED_FIELDS
    while stack:
        current = pop()
        yield current
        names = layout.get(current.__class__)
        if names is None:
            _field_names(current.__class__)
            names = layout[current.__class__]
        for name in names:
            value = getattr(current, name)
            if isinstance(value, Node):
                push(value)
            elif isinstance(value, list):
                for item in reversed(value):
                    if isinstance(item, Node):
                        push(item)


def names_read(node):
    """Names loaded anywhere inside an expression (targets excluded by the caller)."""
    return [n.id for n in walk(node) if isinstance(n, Name)]


def target_names(target):
    """Names bound by an assignment target; ``x[i] = v`` binds nothing new but mutates x."""
    if isinstance(target, Name):
        return [target.id]
    if isinstance(target, (Tuple, List)):
        out = []
        for elt in target.elts:
            out.extend(target_names(elt.value if isinstance(elt, Starred) else elt))
        return out
    return []


def blocks(stmt):
    """The statement lists directly inside a compound statement."""
    if isinstance(stmt, (If, For, While)):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, FunctionDef):
        return [stmt.body]
    return []


def assignment_counts(stmts, augmented=False, written_into=False):
    """name -> how many assignments and ``for`` targets in ``stmts`` bind it, nested blocks included,
    in order of first binding. With ``augmented``, augmented assignments count too; with
    ``written_into``, every name a target mentions counts (``x[i] = v`` writes into x)."""
    counts = {}

    def visit(block):
        for s in block:
            if isinstance(s, Assign):
                targets = s.targets
            elif isinstance(s, For) or (augmented and isinstance(s, AugAssign)):
                targets = [s.target]
            else:
                targets = ()
            for t in targets:
                for n in [m.id for m in walk(t) if isinstance(m, Name)] if written_into else target_names(t):
                    counts[n] = counts.get(n, 0) + 1
            for inner in blocks(s):
                visit(inner)
    visit(stmts)
    return counts


def assigned_names(stmts, augmented=False, written_into=False):
    """The names ``assignment_counts`` counts, as a set."""
    return set(assignment_counts(stmts, augmented, written_into))

def is_atom(expr):
    return isinstance(expr, (Name, Const))


def rename_target(target, renames):
    """An assignment target with names replaced through ``renames``."""
    if isinstance(target, Name):
        return Name(renames.get(target.id, target.id))
    if isinstance(target, (Tuple, List)):
        return type(target)([rename_target(e, renames) for e in target.elts])
    return target


def flag_breaks(block, flag):
    """``block`` with ``flag = True`` set before every ``break`` of its own loop (not inner loops)."""
    out = []
    for s in block:
        if isinstance(s, Break):
            out.append(Assign([Name(flag)], Const(True), s.line))
        elif isinstance(s, If):
            s = If(s.test, flag_breaks(s.body, flag), flag_breaks(s.orelse, flag), s.line)
        out.append(s)
    return out
