"""The pipeline as seen from below it: pipeline.py installs its transformations here at import, and the
analyses and modes that meet a call to a user function reach them through here (no import circle)."""
from __future__ import annotations

_installed = {}


def install(*, prepare, reverse, forward):
    """Called once, by pipeline.py as it is imported (``import srcdiff`` imports it)."""
    _installed.update(prepare=prepare, reverse=reverse, forward=forward)


def _stage(name):
    try:
        return _installed[name]
    except KeyError:
        raise RuntimeError("srcdiff.pipeline is not imported: import srcdiff first") from None


def prepare(fn, **kwargs):
    """``pipeline.prepare``: ``fn`` parsed, fenced and normalized."""
    return _stage("prepare")(fn, **kwargs)


def reverse(fn, wrt, **kwargs):
    """``pipeline.reverse``: ``fn``'s generated reverse-mode code."""
    return _stage("reverse")(fn, wrt, **kwargs)


def forward(fn, wrt, **kwargs):
    """``pipeline.forward``: ``fn``'s generated tangent code."""
    return _stage("forward")(fn, wrt, **kwargs)
