"""``raise``, ``assert`` and f-strings in differentiated code (issue 17 item 7), and checking helpers
whose result is unused (item 8): they run where they stand, in both modes, and raise what the
function raises."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import check_both_modes, located_at

X3 = np.array([0.3, -1.2, 0.8])


def check_vector(w, name="w"):
    if w.ndim != 1:
        raise ValueError(f"{name} must be a vector, got shape {w.shape!r}")
    if not np.all(np.isfinite(w)):
        raise FloatingPointError(f"{name} has {int(np.sum(~np.isfinite(w)))} non-finite entries")


def checked_loss(w, scale):
    check_vector(w)
    assert scale > 0, f"scale must be positive, got {scale:.3f}"
    if w.shape[0] > 100:
        raise ValueError("too long")
    return np.sum(np.sin(w) * w) * scale


def asserted(w):
    assert w.ndim == 1
    y = w ** 2
    assert np.all(y >= 0), "squares are non-negative"
    return np.sum(y * w)


def raise_from(w):
    if w.size == 0:
        raise ValueError("empty") from None
    return np.sum(np.exp(w))


def test_checks_that_pass_leave_the_gradient_as_without_them():
    check_both_modes(checked_loss, X3, 2.0)
    check_both_modes(asserted, X3)
    check_both_modes(raise_from, X3)


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "vjp", "jvp"])
@pytest.mark.parametrize("args, exc, message", [
    ((np.ones((2, 2)), 1.0), ValueError, "w must be a vector, got shape (2, 2)"),
    ((np.array([1.0, np.inf]), 1.0), FloatingPointError, "w has 1 non-finite entries"),
    ((X3, -0.5), AssertionError, "scale must be positive, got -0.500"),
])
def test_a_failing_check_raises_what_the_function_raises(transform, args, exc, message):
    with pytest.raises(exc) as plain:
        checked_loss(*args)
    assert str(plain.value).startswith(message)  # pytest adds the asserted expression to an assert's message
    call = {"grad": lambda: srcdiff.grad(checked_loss)(*args),
            "value_and_grad": lambda: srcdiff.value_and_grad(checked_loss)(*args),
            "vjp": lambda: srcdiff.vjp(checked_loss, *args)[1](1.0),
            "jvp": lambda: srcdiff.jvp(checked_loss, args, np.ones_like(args[0]))}[transform]
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == message


def test_an_assert_without_message_raises_a_bare_assertion_error():
    with pytest.raises(AssertionError) as info:
        srcdiff.grad(asserted)(np.ones((2, 2)))
    assert str(info.value) == ""


def formats(w, k):
    label = f"{k:>4d}|{w.shape}|{{braces}}|{'x'!r}|{3.14159:.2f}|{k!s:<3}|"
    if label != "   7|(3,)|{braces}|'x'|3.14|7  |":
        raise RuntimeError(label)
    return np.sum(w) * float(len(label))


def test_f_strings_format_as_python_does():
    check_both_modes(formats, X3, 7)
    np.testing.assert_allclose(srcdiff.grad(formats)(X3, 7), np.full(3, 32.0))


def nested_spec(w, width):
    if w.size > 10:
        raise ValueError(f"{w.size:{width}d}")
    return np.sum(w)


def bare_raise(w):
    if w.size > 10:
        raise
    return np.sum(w)


def uses_helper_name(w):
    format_text = 2.0
    return np.sum(w) * format_text


@pytest.mark.parametrize("fn, needle, words", [
    (nested_spec, "w.size:{width}d", "f-strings"),
    (bare_raise, "raise\n", "bare `raise`"),
    (uses_helper_name, "def uses_helper_name(", "`format_text` is the name"),
])
def test_what_is_not_lowered_is_refused_at_its_line(fn, needle, words):
    with pytest.raises(srcdiff.SrcdiffError) as info:
        srcdiff.grad(fn)(X3, 3) if fn is nested_spec else srcdiff.grad(fn)(X3)
    assert words in str(info.value)
    located_at(str(info.value), fn, needle)


def writes_into(w):
    w[0] = 0.0


def calls_a_writing_helper(w):
    v = w * 2.0
    writes_into(v)
    return np.sum(v * v)


def test_an_unused_call_that_writes_into_a_differentiated_value_is_still_refused():
    for call in (lambda: srcdiff.grad(calls_a_writing_helper)(X3),
                 lambda: srcdiff.jvp(calls_a_writing_helper, (X3,), np.ones(3))):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            call()
        located_at(str(info.value), calls_a_writing_helper, "writes_into(v)")


def say(w):
    print(f"checked {w.shape}")


def checked_twice_before(w):
    v = np.sin(w)
    check_vector(v, name="v")
    say(v)
    return np.sum(v * w)


def test_a_checking_call_runs_once_in_forward_mode(capsys):
    # the tangent code ran each call made for its effect twice (emitted as the primal statement, then
    # again as the call's tangent): a print, a log or a costly check happened twice
    assert srcdiff.forward(checked_twice_before).source.count("check_vector(") == 1
    capsys.readouterr()
    srcdiff.jvp(checked_twice_before, (X3,), np.ones(3))
    assert capsys.readouterr().out == "checked (3,)\n"
    check_both_modes(checked_twice_before, X3)
