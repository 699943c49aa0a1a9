"""The exception types users see; every message names where the problem is and what to do."""
from __future__ import annotations


class SrcdiffError(Exception):
    """Base class of every error srcdiff raises on purpose."""


class SourceUnavailableError(SrcdiffError):
    """The function's source text cannot be read (builtin, REPL, exec, ambiguous lambda)."""


class SourceChangedError(SourceUnavailableError):
    """The function's source text is not the code that runs (its file was edited after import)."""


class UnsupportedSyntaxError(SrcdiffError):
    """The function uses syntax outside the supported language."""


class MissingRuleError(SrcdiffError):
    """An active value flows through a function that has no derivative rule."""


class NonDifferentiableError(SrcdiffError):
    """A gradient was requested that does not exist or cannot be computed correctly."""


class TooDeepError(SrcdiffError, RecursionError):
    """Code nests or recurses deeper than srcdiff can follow (see ``srcdiff.backend.deep``)."""


class ArgumentError(SrcdiffError, TypeError):
    """Bad arguments to a srcdiff API (``wrt`` out of range, integer inputs, wrong shapes)."""


def located(filename, line, text, problem, fix):
    """Format a message naming file, line, the offending source text, and the fix."""
    where = "%s:%d" % (filename, line) if line else filename
    snippet = ("\n    %s" % text.strip()) if text else ""
    return "%s: %s%s\n%s" % (where, problem, snippet, fix)
