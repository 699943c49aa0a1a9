"""Colour Python source, for a terminal (ANSI codes) or a notebook (HTML), with the tokenize module."""
from __future__ import annotations

import html
import io
import keyword
import tokenize

_COLOURS = {"keyword": "\033[35m", "string": "\033[32m", "number": "\033[36m", "comment": "\033[90m",
            "def": "\033[1;34m"}
_RESET = "\033[0m"
# Mid-tone colours, readable on a light and on a dark notebook background alike.
_HTML_STYLES = {"keyword": "color:#a626a4", "string": "color:#50a14f", "number": "color:#0184bc",
                "comment": "color:#8a8a8a;font-style:italic", "def": "color:#4078f2;font-weight:bold"}


def highlight(text):
    """``text`` with keywords, strings, numbers, comments and function names coloured."""
    return "".join(_COLOURS[kind] + part + _RESET if kind else part for kind, part in _pieces(text))


def highlight_html(text):
    """``text`` as an HTML ``<pre>`` block, coloured with inline styles (no stylesheet needed)."""
    body = "".join('<span style="%s">%s</span>' % (_HTML_STYLES[kind], html.escape(part)) if kind
                   else html.escape(part) for kind, part in _pieces(text))
    return '<pre style="line-height:1.3">%s</pre>' % body


def _pieces(text):
    """``text`` cut into (kind or None, string) pieces that join back to ``text``."""
    lines = text.splitlines(True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return [(None, text)]
    out = []
    prev_end = (1, 0)
    prev_token = None
    for tok in tokens:
        if tok.type == tokenize.ENDMARKER:
            break
        out.append((None, _between(lines, prev_end, tok.start)))
        out.append((_kind(tok, prev_token), tok.string))
        prev_end = tok.end
        prev_token = tok
    out.append((None, _between(lines, prev_end, (len(lines) + 1, 0))))
    return out


def _kind(tok, prev_token):
    if tok.type == tokenize.NAME and keyword.iskeyword(tok.string):
        return "keyword"
    if tok.type == tokenize.NAME and prev_token is not None and prev_token.string == "def":
        return "def"
    return {tokenize.STRING: "string", tokenize.NUMBER: "number", tokenize.COMMENT: "comment"}.get(tok.type)


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
