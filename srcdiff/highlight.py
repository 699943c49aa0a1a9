"""Colour Python source for a terminal with ANSI codes, using only the tokenize module."""
from __future__ import annotations

import io
import keyword
import tokenize

_COLOURS = {"keyword": "\033[35m", "string": "\033[32m", "number": "\033[36m", "comment": "\033[90m",
            "def": "\033[1;34m"}
_RESET = "\033[0m"


def highlight(text):
    """``text`` with keywords, strings, numbers, comments and function names coloured."""
    lines = text.splitlines(True)
    out = []
    prev_end = (1, 0)
    prev_token = None
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    for tok in tokens:
        if tok.type == tokenize.ENDMARKER:
            break
        out.append(_between(lines, prev_end, tok.start))
        colour = None
        if tok.type == tokenize.NAME and keyword.iskeyword(tok.string):
            colour = _COLOURS["keyword"]
        elif tok.type == tokenize.NAME and prev_token is not None and prev_token.string == "def":
            colour = _COLOURS["def"]
        elif tok.type == tokenize.STRING:
            colour = _COLOURS["string"]
        elif tok.type == tokenize.NUMBER:
            colour = _COLOURS["number"]
        elif tok.type == tokenize.COMMENT:
            colour = _COLOURS["comment"]
        out.append(colour + tok.string + _RESET if colour else tok.string)
        prev_end = tok.end
        prev_token = tok
    out.append(_between(lines, prev_end, (len(lines) + 1, 0)))
    return "".join(out)


def _between(lines, start, end):
    """The raw text between two token positions (whitespace and newlines)."""
    (sl, sc), (el, ec) = start, end
    if sl == el:
        return lines[sl - 1][sc:ec] if sl - 1 < len(lines) else ""
    parts = [lines[sl - 1][sc:]] if sl - 1 < len(lines) else []
    parts.extend(lines[sl:el - 1])
    if el - 1 < len(lines):
        parts.append(lines[el - 1][:ec])
    return "".join(parts)
