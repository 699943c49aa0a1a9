"""Differential fuzzing: random programs of the supported language, srcdiff against finite differences.

Each example is a whole generated module (helpers, then ``def f``) with its inputs; see
``tests/fuzzing/generator.py`` for what is generated and ``tests/fuzzing/runner.py`` for the checks
(reverse mode by ``grad`` and ``vjp`` against central finite differences in float64, forward mode
``jvp`` against finite differences and the dot-product test against ``vjp``). Refusals
(``srcdiff.SrcdiffError``) are fine; a wrong result or a crash fails the test, and hypothesis
shrinks it to a small program, printed below as a file ready to paste into a regression test.

Long runs outside pytest: ``python -m tests.fuzz --programs 10000``.
"""
import os
import zlib

from hypothesis import HealthCheck, given, reject, settings

from tests.fuzzing import generator, runner

EXAMPLES = int(os.environ.get("SRCDIFF_FUZZ_EXAMPLES", "500"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(generator.programs())
def test_generated_programs_differentiate_correctly(program):
    # one reverse-mode entry point per program (grad or vjp, alternating) keeps the test quick;
    # ``python -m tests.fuzz`` checks both on every program
    reverse = ("grad",) if zlib.crc32(program.source.encode()) % 2 else ("vjp",)
    outcome = runner.check(program, reverse=reverse)
    if outcome.status == "invalid":
        reject()  # the generator's fault (the plain program misbehaves), not srcdiff's
    if outcome.status in ("wrong", "error"):
        raise AssertionError("srcdiff gave a %s result on a generated program.\n\n%s"
                             % (outcome.status, runner.report(outcome)))
