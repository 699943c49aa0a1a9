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


def at_call_site(exc, callee, filename, line, text):
    """``exc``, raised inside a definition srcdiff supplies for a library function (``callee`` has
    ``__srcdiff_definition__``, say "scipy.stats.t.cdf"), re-raised at the user's call of it; other
    errors unchanged. The definition's own file and line mean nothing to the user."""
    what = getattr(callee, "__srcdiff_definition__", None)
    if what is None or not isinstance(exc, SrcdiffError):
        return exc
    if hasattr(exc, "in_definition"):  # a definition calling another: the outer one is the user's call
        head, fix = exc.in_definition
    else:
        lines = str(exc).split("\n")
        head = lines[0].split(": ", 1)[-1]  # without the definition's "file:line: "
        fix = lines[-1] if len(lines) > 1 else ""
    new = type(exc)(located(filename, line, text, "in %s: %s" % (what, head), fix))
    new.in_definition = (head, fix)
    return new
