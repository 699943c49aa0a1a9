"""Activity (analysis/activity.py): a statement needs an adjoint when it defines a value that both
varies with the arguments differentiated and reaches the output."""
from tests.support.pass_runner import activity


def test_values_that_do_not_vary_or_do_not_reach_the_output_are_inactive():
    active, _ = activity("""
        def f(x, w):
            a = w * 2.0
            b = x * a
            c = np.cos(x)
            return np.sum(b)
    """, wrt=("x",))
    # ``a`` depends on w only (not differentiated), ``c`` never reaches the output
    assert active == ["b = x * a", "t1 = np.sum(b)"]


def test_activity_follows_the_arguments_differentiated():
    active, _ = activity("""
        def f(x, w):
            a = w * 2.0
            b = x * a
            return np.sum(b)
    """, wrt=("w",))
    assert active == ["a = w * 2.0", "b = x * a", "t1 = np.sum(b)"]


def test_both_branches_are_active_and_the_condition_is_not():
    active, _ = activity("""
        def f(x, w):
            if w > 0.0:
                y = x * w
            else:
                y = x * 2.0
            k = w + 1.0
            return np.sum(y * k)
    """, wrt=("x",))
    assert active == ["y = x * w", "y = x * 2.0", "t2 = y * k", "t3 = np.sum(t2)"]


def test_a_shift_that_cancels_is_constant():
    active, constant = activity("""
        def f(z, y):
            m = np.max(z, axis=1, keepdims=True)
            lse = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
            return np.sum(lse * lse) + np.sum(y * z)
    """, wrt=("z",))
    assert constant == ["m = np.max(z, axis=1, keepdims=True)"]


def test_a_shift_that_does_not_cancel_is_not_constant():
    active, constant = activity("""
        def f(z, y):
            m = np.max(z, axis=1, keepdims=True)
            return np.sum(np.exp(z - m) * y)
    """, wrt=("z",))
    assert constant == []
    assert "m = np.max(z, axis=1, keepdims=True)" in active
