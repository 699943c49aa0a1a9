"""The ``rename redefinitions`` pass (lower/redefinitions.py): a name assigned again at the top
level gets a new name from there on, so every top-level value keeps its own name."""
import pytest

from srcdiff.errors import NonDifferentiableError
from tests.support.pass_runner import preparation, text


def test_a_redefined_name_gets_a_new_name_from_there_on():
    step = preparation("rename redefinitions", """
        def f(x):
            y = x * 2.0
            y = np.sin(y)
            return y
    """)
    assert step.before == text("""
        def f(x):
            y = x * 2.0
            y = np.sin(y)
            return y
    """)
    assert step.after == text("""
        def f(x):
            y = x * 2.0
            y2 = np.sin(y)
            return y2
    """)


def test_names_assigned_once_are_left_alone():
    step = preparation("rename redefinitions", """
        def f(x):
            y = x * 2.0
            z = np.sin(y)
            return z
    """)
    assert step.after == step.before


def test_names_assigned_inside_a_loop_keep_their_name():
    step = preparation("rename redefinitions", """
        def f(x):
            s = 0.0
            for i in range(3):
                s = s + x
            return s
    """)
    assert step.after == step.before


def test_a_write_into_an_array_a_view_still_in_use_shares_is_refused():
    with pytest.raises(NonDifferentiableError, match=r"writes into `y` while `v`"):
        preparation("rename redefinitions", """
            def f(x):
                y = x * 1.0
                v = y[1:]
                s = np.sum(v)
                y[1] = 5.0
                return s + np.sum(v * x)
        """)


def test_a_write_after_the_views_last_use_is_kept():
    step = preparation("rename redefinitions", """
        def f(x):
            y = x * 1.0
            v = y[1:]
            s = np.sum(v * x)
            y[1] = 5.0
            return s + np.sum(y)
    """)
    assert "    y[1] = 5.0" in step.after.splitlines()
