"""Highlighted source: ANSI for a terminal, HTML for a notebook (``Transformed._repr_html_``)."""
import html
import io
import re

import numpy as np

import srcdiff
from srcdiff.highlight import highlight, highlight_html


def poly_loss(x):
    return np.sum(np.poly(x))  # np.poly has no derivative rule


def sin_loss(x):
    return np.sum(np.sin(x) * x)


SOURCE = 'def f(x):\n    # a < b & "c"\n    return x * 2 + len("<s>")\n'


def test_html_is_the_source_escaped_and_coloured():
    out = highlight_html(SOURCE)
    assert out.startswith("<pre") and out.endswith("</pre>")
    assert '<span style="color:#a626a4">def</span>' in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == SOURCE
    assert "\x1b" not in out


def test_ansi_and_html_colour_the_same_pieces():
    assert re.sub(r"\x1b\[[0-9;]*m", "", highlight(SOURCE)) == SOURCE
    assert highlight(SOURCE).count("\x1b[0m") == highlight_html(SOURCE).count("</span>")


def test_untokenizable_text_is_returned_escaped():
    assert highlight_html('"""open <') == '<pre style="line-height:1.3">&quot;&quot;&quot;open &lt;</pre>'


def test_a_transformed_function_shows_its_source_in_a_notebook():
    for transformed in (srcdiff.grad(sin_loss), srcdiff.value_and_grad(sin_loss), srcdiff.vjp(sin_loss),
                        srcdiff.forward(sin_loss)):
        out = transformed._repr_html_()
        assert out.startswith("<code>%s</code><pre" % html.escape(repr(transformed)))
        assert html.unescape(re.sub(r"<[^>]+>", "", out)).endswith(transformed.source)


def test_the_notebook_display_of_a_refused_function_is_its_plain_repr():
    assert srcdiff.grad(poly_loss)._repr_html_() is None


def test_show_colours_only_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    plain, terminal = io.StringIO(), Terminal()
    srcdiff.show(srcdiff.grad(sin_loss), file=plain)
    srcdiff.show(srcdiff.grad(sin_loss), file=terminal)
    assert "\x1b" not in plain.getvalue() and "\x1b[" in terminal.getvalue()
