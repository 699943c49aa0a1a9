"""The pipeline as seen from below it: pipeline.py installs its transformations here at import, and the
public API, the analyses and the modes that meet a call to a user function reach them through here
(no import circle). The first use imports the pipeline (``import srcdiff`` does not: it is most of
srcdiff's import time)."""
from __future__ import annotations

from . import first_use

_installed: dict = {}


def install(*, prepare, reverse, forward):
    """Called once, by pipeline.py as it is imported."""
    _installed.update(prepare=prepare, reverse=reverse, forward=forward)


def _stage(name):
    if name not in _installed:
        first_use.module("srcdiff.pipeline")  # it installs its stages as it is imported
    return _installed[name]


def prepare(fn, **kwargs):
    """``pipeline.prepare``: ``fn`` parsed, fenced and normalized."""
    return _stage("prepare")(fn, **kwargs)


def reverse(fn, wrt, **kwargs):
    """``pipeline.reverse``: ``fn``'s generated reverse-mode code."""
    return _stage("reverse")(fn, wrt, **kwargs)


def forward(fn, wrt, **kwargs):
    """``pipeline.forward``: ``fn``'s generated tangent code."""
    return _stage("forward")(fn, wrt, **kwargs)
