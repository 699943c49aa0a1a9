"""Python sugar lowered to calls while converting to IR: ``raise``, ``assert`` and f-strings become calls
of runtime helpers (``raise_error``, ``format_text``) that every pass keeps where they stand."""
from __future__ import annotations

import gast

from .. import ir

# Runtime helpers that lowered statements call (bound by the pipeline; see runtime.helpers)
RAISE, RAISE_FROM, FORMAT = "raise_error", "raise_from", "format_text"
LOWERING_HELPERS = (RAISE, RAISE_FROM, FORMAT)


class SugarLowering:
    """Conversion methods of ``syntax._ToIR`` for the sugar (it provides ``expr``, ``text`` and ``line``)."""

    def stmt_Raise(self, node, line):
        """``raise E(args)`` is ``raise_error(E, args)``, a call: every pass keeps it where it stands."""
        if node.exc is None:
            return ir.UnsupportedStmt("Raise", line, self.text(node))  # a bare re-raise needs `except`
        exc = self.expr(node.exc)
        if node.cause is not None:
            return ir.ExprStmt(ir.Call(ir.Name(RAISE_FROM), [exc, self.expr(node.cause)], []), line)
        if isinstance(exc, ir.Call):
            return ir.ExprStmt(ir.Call(ir.Name(RAISE), [exc.func] + exc.args, exc.keywords), line)
        return ir.ExprStmt(ir.Call(ir.Name(RAISE), [exc], []), line)

    def stmt_Assert(self, node, line):
        """``assert c, m`` is ``if not c: raise_error(AssertionError, m)``."""
        args = [self.expr(node.msg)] if node.msg is not None else []
        fail = ir.ExprStmt(ir.Call(ir.Name(RAISE), [ir.Name("AssertionError")] + args, []), line)
        return ir.If(ir.UnaryOp("not", self.expr(node.test)), [fail], [], line)

    def expr_JoinedStr(self, node):
        """An f-string as ``format_text(template, values...)``; nested fields in a format spec are refused."""
        template, values = [], []
        for part in node.values:
            if isinstance(part, gast.Constant):
                template.append(str(part.value).replace("{", "{{").replace("}", "}}"))
                continue
            spec = ""
            if part.format_spec is not None:
                if not all(isinstance(p, gast.Constant) for p in part.format_spec.values):
                    return ir.Unsupported("JoinedStr", self.line(node), self.text(node))
                spec = ":" + "".join(str(p.value) for p in part.format_spec.values)
            conversion = "" if part.conversion in (None, -1) else "!" + chr(part.conversion)
            template.append("{" + conversion + spec + "}")
            values.append(self.expr(part.value))
        return ir.Call(ir.Name(FORMAT), [ir.Const("".join(template))] + values, [])
