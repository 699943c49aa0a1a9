"""Shrink a failing random-mode program by editing its recorded choice sequence.

The same idea as hypothesis's shrinker, in small: a program is a function of the list of choices
the generator made (``Program.choices``, offsets from each choice's lowest value). Deleting
choices, or setting them to 0 (the simplest option of every choice), gives simpler programs;
a candidate is kept when it still fails the same way and its source is not longer.
"""
from __future__ import annotations

import copy
import time

from . import generator, runner


def signature(outcome):
    """What "fails the same way" means: the status and the checks that went wrong/crashed, and for
    crashes the exception type."""
    bad = sorted({(i.status, i.check, i.message.split(":")[0] if i.status == "error" else "")
                  for i in outcome.issues if i.status in ("wrong", "error")})
    return outcome.status, tuple(bad)


def _size(program):
    return (program.source.count("\n"), len(program.source))


def same_failure(target):
    def predicate(outcome):
        return outcome.status == target[0] and set(target[1]) <= set(signature(outcome)[1])
    return predicate


def shrink(program, outcome, budget_seconds=120.0, max_evals=400, log=None, predicate=None):
    """Return (program, outcome) for the smallest program found that fails like ``outcome`` (or
    satisfies ``predicate(outcome)``): first on the choice sequence, then by deleting lines."""
    predicate = predicate or same_failure(signature(outcome))
    best, best_out = program, outcome
    choices = list(program.choices)
    start = time.time()
    evals = 0

    def attempt(cand):
        nonlocal best, best_out, choices, evals
        if evals >= max_evals or time.time() - start > budget_seconds:
            return False
        evals += 1
        try:
            p = generator.replay_program(cand)
        except generator.GenFail:
            return False
        if _size(p) > _size(best):
            return False
        o = runner.check(p)
        if not predicate(o):
            return False
        if _size(p) == _size(best) and p.source == best.source and len(cand) >= len(choices):
            return False
        best, best_out, choices = p, o, list(p.choices)
        if log:
            log("  shrunk to %d lines (%d evaluations)" % (_size(p)[0], evals))
        return True

    improved = True
    while improved and evals < max_evals and time.time() - start < budget_seconds:
        improved = False
        for chunk in (32, 16, 8, 4, 2, 1):
            i = 0
            while i < len(choices):
                if attempt(choices[:i] + choices[i + chunk:]):
                    improved = True
                else:
                    i += chunk
        for i in range(len(choices)):
            if i < len(choices) and choices[i] != 0:
                if attempt(choices[:i] + [0] + choices[i + 1:]):
                    improved = True
                elif choices[i] > 1 and attempt(choices[:i] + [choices[i] // 2] + choices[i + 1:]):
                    improved = True
    return delete_lines(best, best_out, predicate, max(10.0, budget_seconds - (time.time() - start)))


def delete_lines(program, outcome, predicate, budget_seconds=60.0):
    """Delete single-line statements of ``f`` (and of helpers) while the failure remains."""
    best, best_out = program, outcome
    start = time.time()
    i = 0
    while time.time() - start < budget_seconds:
        lines = best.source.splitlines()
        if i >= len(lines):
            break
        line = lines[i]
        stripped = line.strip()
        deletable = (line.startswith("    ") and not stripped.startswith(("return", "def ", "if ", "elif ", "else",
                                                                          "for ", "while ", "#"))
                     and not stripped.endswith(":"))
        if deletable:
            cand_lines = lines[:i] + lines[i + 1:]
            # a block must keep a statement
            indent = len(line) - len(line.lstrip())
            prev = lines[i - 1] if i else ""
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if prev.rstrip().endswith(":") and (len(nxt) - len(nxt.lstrip()) < indent or not nxt.strip()):
                cand_lines = lines[:i] + [" " * indent + "pass"] + lines[i + 1:]
                if stripped == "pass":
                    i += 1
                    continue
            cand = copy.copy(best)
            cand.source = "\n".join(cand_lines) + "\n"
            try:
                o = runner.check(cand)
            except Exception:  # noqa: BLE001
                o = None
            if o is not None and predicate(o):
                best, best_out = cand, o
                continue
        i += 1
    return best, best_out
