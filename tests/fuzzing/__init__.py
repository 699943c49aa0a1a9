"""Differential fuzzing of srcdiff: random NumPy programs, gradients checked against finite differences.

``generator`` builds random functions of srcdiff's supported language as source text (driven by
hypothesis, or by a seeded ``random.Random`` for long runs), writing expressions with
``expressions`` and statements with ``statements`` from the operation templates in ``tables``,
using the limits and helpers in ``values`` and the decisions of a ``choosers`` chooser, plus the
issue-15 constructs of ``constructs`` and ``special_inputs`` (switched by ``features``);
``runner`` writes each program to a real file, differentiates it in reverse and forward mode and
classifies the result; ``shrink`` reduces a failure to a minimal program.
"""
