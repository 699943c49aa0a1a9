"""The ``structure jumps`` pass (lower/control.py): ``return``, ``continue`` in the middle of a
block become branches, so every block runs to its end or breaks out of a loop."""
from tests.support.pass_runner import lowering, text


def test_early_return_becomes_an_if_else_with_one_return():
    step = lowering("structure jumps", """
        def f(x):
            if x > 0.0:
                return x
            return -x
    """)
    assert step.before == text("""
        def f(x):
            t1 = x > 0.0
            if t1:
                return x
            t2 = -x
            return t2
    """)
    assert step.after == text("""
        def f(x):
            t1 = x > 0.0
            if t1:
                result = x
            else:
                t2 = -x
                result = t2
            return result
    """)


def test_continue_puts_the_rest_of_the_body_in_the_else_branch():
    step = lowering("structure jumps", """
        def f(x):
            s = 0.0
            for i in range(3):
                if i == 1:
                    continue
                s = s + x * i
            return s
    """)
    assert step.after == text("""
        def f(x):
            s = 0.0
            for i in range(3):
                t1 = i == 1
                if t1:
                    pass
                else:
                    t2 = x * i
                    s = s + t2
            return s
    """)


def test_break_stays_and_what_follows_it_goes_into_the_else_branch():
    step = lowering("structure jumps", """
        def f(x):
            for i in range(5):
                if x > 3.0:
                    break
                x = x * 2.0
            return x
    """)
    assert step.after == text("""
        def f(x):
            for i in range(5):
                t1 = x > 3.0
                if t1:
                    break
                else:
                    x = x * 2.0
            return x
    """)


def test_structured_code_is_left_alone():
    step = lowering("structure jumps", """
        def f(x):
            if x > 0.0:
                y = x
            else:
                y = -x
            return y
    """)
    assert step.after == step.before
