"""``srcdiff.show``: print the generated source of a transformed function."""
from __future__ import annotations

import sys
from typing import TextIO

from .hints import Transformation


def show(transformed: Transformation, file: TextIO | None = None, callees: bool = False) -> None:
    """Print the generated source of a transformed function (coloured on a terminal).

    Parameters
    ----------
    transformed
        A result of ``srcdiff.grad``, ``value_and_grad``, ``vjp`` or ``forward``.
    file
        Where to print (``sys.stdout`` by default); colours only when it is a terminal.
    callees
        Also print the generated code of the user functions it calls.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sum(np.sin(x))
    >>> srcdiff.show(srcdiff.grad(f))
    def grad_f(x):
        # reverse mode: d(f)/d(x)
        # return np.sum(np.sin(x))
        d_x = np.cos(x)
        return d_x
    """
    from .highlight import highlight
    out = file or sys.stdout
    text = "\n".join(transformed.sources().values()) if callees else transformed.source
    if getattr(out, "isatty", lambda: False)():
        text = highlight(text)
    print(text, file=out, end="" if text.endswith("\n") else "\n")
