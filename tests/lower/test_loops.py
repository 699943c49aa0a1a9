"""Loop lowering (lower/loops.py, run by ``normalize``): every loop a ``for k in range(n)`` or a
``while True`` with its test inside, comprehensions as loops."""
from tests.support.pass_runner import lowering, text


def test_zip_becomes_indexing_into_sequences():
    step = lowering("normalize", """
        def f(xs, ys):
            s = 0.0
            for a, b in zip(xs, ys):
                s = s + a * b
            return s
    """)
    assert step.after == text("""
        def f(xs, ys):
            s = 0.0
            seq = as_sequence(xs)
            seq2 = as_sequence(ys)
            t1 = len(seq)
            t2 = len(seq2)
            t3 = min(t1, t2)
            for k in range(t3):
                a = seq[k]
                b = seq2[k]
                t4 = a * b
                s = s + t4
            return s
    """)


def test_comprehension_becomes_a_loop_appending_to_a_list():
    step = lowering("normalize", """
        def f(xs):
            ys = [np.sin(x) for x in xs]
            return ys
    """)
    assert step.after == text("""
        def f(xs):
            ys = []
            seq = as_sequence(xs)
            t1 = len(seq)
            for k in range(t1):
                x = seq[k]
                t2 = np.sin(x)
                ys.append(t2)
            return ys
    """)


def test_while_loop_tests_its_condition_inside():
    step = lowering("normalize", """
        def f(x):
            while x > 1.0:
                x = x / 2.0
            return x
    """)
    assert step.after == text("""
        def f(x):
            while True:
                t2 = x > 1.0
                if not t2:
                    break
                x = x / 2.0
            return x
    """)


def test_a_range_loop_is_left_a_range_loop():
    step = lowering("normalize", """
        def f(x):
            for i in range(3):
                x = x * 2.0
            return x
    """)
    assert step.after == step.before
