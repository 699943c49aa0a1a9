"""The ``normalize`` pass (lower/normalize.py): one operation per statement, readable temporaries."""
from tests.support.pass_runner import lowering, text


def test_nested_expressions_get_one_operation_per_statement():
    step = lowering("normalize", """
        def f(x, w):
            y = np.sin(x * w) + 2.0 * x
            return np.sum(y ** 2)
    """)
    assert step.after == text("""
        def f(x, w):
            t1 = x * w
            t2 = np.sin(t1)
            t3 = 2.0 * x
            y = t2 + t3
            t4 = y ** 2
            t5 = np.sum(t4)
            return t5
    """)


def test_a_statement_of_one_operation_is_left_alone():
    step = lowering("normalize", """
        def f(x, w):
            y = x * w
            return y
    """)
    assert step.after == step.before


def test_augmented_assignment_becomes_a_plain_one():
    step = lowering("normalize", """
        def f(x):
            s = x
            s += x * 2.0
            return s
    """)
    assert step.after == text("""
        def f(x):
            s = x
            t1 = x * 2.0
            s = s + t1
            return s
    """)


def test_conditional_expression_becomes_an_if_statement():
    step = lowering("normalize", """
        def f(x, c):
            y = x if c > 0 else -x
            return y
    """)
    assert step.after == text("""
        def f(x, c):
            t1 = c > 0
            if t1:
                y = x
            else:
                y = -x
            return y
    """)


def test_tuple_assignment_is_unpacked_element_by_element():
    step = lowering("normalize", """
        def f(x):
            a, b = x[0], x[1]
            return a * b
    """)
    assert step.after == text("""
        def f(x):
            t1 = x[0]
            t2 = x[1]
            a = t1
            b = t2
            t3 = a * b
            return t3
    """)


def test_temporaries_never_take_the_users_names():
    step = lowering("normalize", """
        def f(x, t1):
            y = np.sin(x * t1)
            return y
    """)
    assert "t1 = " not in step.after
    assert step.after.splitlines()[1].strip() == "t2 = x * t1"
