"""The preparation passes of each mode (passes.REVERSE, passes.FORWARD) alone: IR in, IR out."""
from tests.support.pass_runner import preparation, text


def test_an_argument_written_into_is_copied_first():
    step = preparation("copy written arguments", """
        def f(x):
            x[0] = 1.0
            return np.sum(x * x)
    """)
    assert step.after == text("""
        def f(x):
            x = private_copy(x)
            x[0] = 1.0
            t1 = x * x
            t2 = np.sum(t1)
            return t2
    """)


def test_a_local_array_written_into_is_not_copied():
    step = preparation("copy written arguments", """
        def f(x):
            y = x * 2.0
            y[0] = 1.0
            return np.sum(y)
    """)
    assert step.after == step.before


def test_a_branch_condition_the_branch_reassigns_is_kept_in_a_copy():
    step = preparation("keep branch decisions", """
        def f(x):
            done = x > 1.0
            for i in range(3):
                if done:
                    done = False
                    x = x * 2.0
            return x
    """)
    assert step.after == text("""
        def f(x):
            done = x > 1.0
            for i in range(3):
                done2 = done
                if done2:
                    done = False
                    x = x * 2.0
            return x
    """)


def test_a_while_loop_counts_its_trips_and_a_range_loop_does_not():
    step = preparation("count trips", """
        def f(x):
            while x > 1.0:
                x = x / 2.0
            return x
    """)
    assert step.after == text("""
        def f(x):
            count = 0
            while True:
                count = count + 1
                t2 = x > 1.0
                if not t2:
                    break
                else:
                    x = x / 2.0
            return x
    """)
    step = preparation("count trips", """
        def f(x):
            for i in range(3):
                x = x / 2.0
            return x
    """)
    assert step.after == step.before


def test_a_self_overwrite_whose_adjoint_reads_the_old_value_is_split():
    step = preparation("split self-overwrites", """
        def f(x):
            s = x
            for i in range(3):
                s = s * x
            return s
    """)
    assert step.after == text("""
        def f(x):
            s = x
            for i in range(3):
                s2 = s * x
                s = s2
            return s
    """)


def test_forward_mode_splits_only_overwrites_whose_tangent_reads_the_old_value():
    step = preparation("split overwrites", """
        def f(x, a):
            x = x * a
            x = x + a
            return x
    """, forward=True)
    assert step.after == text("""
        def f(x, a):
            x2 = x * a
            x = x2
            x = x + a
            return x
    """)
