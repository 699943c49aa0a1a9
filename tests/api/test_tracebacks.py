"""Errors raised while generated code runs name the user's file, line and statement; refusals
show the user's frame, not srcdiff's internals."""
import os
import subprocess
import sys
import textwrap
import traceback

import numpy as np
import pytest

import srcdiff

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(srcdiff.__file__)))

SCRIPT = '''
import sys
import numpy as np
import srcdiff


def buggy(W, x):
    h = np.tanh(x @ W)
    z = h * np.ones(5)
    return np.sum(z ** 2)


def refused(x):
    try:
        return np.sum(x)
    except ValueError:
        return 0.0


W, x = np.ones((3, 4)), np.ones((2, 3))
which = sys.argv[1]
if which == "grad":
    srcdiff.grad(buggy)(W, x)
elif which == "value_and_grad":
    srcdiff.value_and_grad(buggy)(W, x)
elif which == "jvp":
    srcdiff.jvp(buggy, (W, x), W)
elif which == "hessian":
    srcdiff.hessian(buggy)(W, x)
elif which == "refused":
    srcdiff.grad(refused)(np.ones(3))
'''


def buggy(W, x):
    h = np.tanh(x @ W)
    z = h * np.ones(5)  # the broadcasting bug
    return np.sum(z ** 2)


BUG_LINE = buggy.__code__.co_firstlineno + 2


def run_script(tmp_path, which):
    path = tmp_path / "user_model.py"
    path.write_text(textwrap.dedent(SCRIPT))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("SRCDIFF_FULL_TRACEBACK", None)
    result = subprocess.run([sys.executable, str(path), which], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    return str(path), result.stderr


@pytest.mark.parametrize("which", ["grad", "value_and_grad", "jvp", "hessian"])
def test_default_traceback_shows_the_users_line(tmp_path, which):
    path, err = run_script(tmp_path, which)
    assert 'File "%s", line 9, in buggy\n    z = h * np.ones(5)' % path in err, err
    assert "ValueError: operands could not be broadcast" in err
    if sys.version_info >= (3, 11):  # exception notes are printed from 3.11 on
        assert "at your line %s:9" % path in err


def test_a_refusal_shows_no_srcdiff_internals(tmp_path):
    path, err = run_script(tmp_path, "refused")
    assert "UnsupportedSyntaxError" in err and "user_model.py:14" in err
    frames = [line for line in err.splitlines() if line.startswith('  File "')]
    assert len(frames) == 2, err  # the user's call and srcdiff's entry point
    assert not any(name in err for name in ("transform.py", "frontend.py", "fence.py", "cache.py"))


@pytest.mark.parametrize("call", [
    lambda: srcdiff.grad(buggy)(np.ones((3, 4)), np.ones((2, 3))),
    lambda: srcdiff.vjp(buggy)(np.ones((3, 4)), np.ones((2, 3))),
    lambda: srcdiff.vjp(lambda W: buggy(W, np.ones((2, 3))) * 1.0)(np.ones((3, 4))),
    lambda: srcdiff.forward(buggy)(np.ones((3, 4)), np.ones((2, 3)), t_W=np.ones((3, 4))),
    lambda: srcdiff.jacobian(buggy)(np.ones((3, 4)), np.ones((2, 3))),
], ids=["grad", "vjp", "vjp-callee", "forward", "jacobian"])
def test_the_traceback_has_an_entry_at_the_users_line(call):
    with pytest.raises(ValueError) as info:
        call()
    entries = traceback.extract_tb(info.value.__traceback__)
    mine = [e for e in entries if e.filename == __file__ and e.lineno == BUG_LINE]
    assert mine and mine[0].name == "buggy" and mine[0].line == "z = h * np.ones(5)  # the broadcasting bug"
    if sys.version_info >= (3, 11):
        notes = getattr(info.value, "__notes__", [])
        assert len(notes) == 1 and "%s:%d" % (__file__, BUG_LINE) in notes[0]


def test_the_pullbacks_errors_point_at_the_user_too():
    def scaled(x, s):
        return x * s  # fine forward; the pullback's cotangent is checked

    value, pullback = srcdiff.vjp(scaled)(np.ones(3), 2.0)
    with pytest.raises(srcdiff.ArgumentError) as info:
        pullback(np.ones(4))
    entries = traceback.extract_tb(info.value.__traceback__)
    assert [e.name for e in entries] == ["test_the_pullbacks_errors_point_at_the_user_too", "pullback"]


def test_full_tracebacks_on_request(monkeypatch):
    monkeypatch.setenv("SRCDIFF_FULL_TRACEBACK", "1")

    def refused(x):
        try:
            return np.sum(x)
        except ValueError:
            return 0.0

    with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
        srcdiff.grad(refused)(np.ones(3))
    assert len(traceback.extract_tb(info.value.__traceback__)) > 3


def test_values_are_unchanged_when_nothing_fails():
    W, x = np.ones((3, 4)) * 0.1, np.ones((4, 3))
    good = lambda W, x: np.sum(np.tanh(x @ W) ** 2)  # noqa: E731
    g = srcdiff.grad(good)(W, x)
    eps = 1e-6
    E = np.zeros_like(W)
    E[1, 2] = eps
    fd = (good(W + E, x) - good(W - E, x)) / (2 * eps)
    assert abs(g[1, 2] - fd) < 1e-7
