"""To-be-recorded (analysis/tbr.py): the forward sweep records a value only where the reverse
sweep reads it after the forward sweep overwrote it."""
from tests.support.pass_runner import recorded


def test_straight_line_code_records_nothing():
    assert recorded("""
        def f(x):
            y = np.sin(x)
            y = np.sin(y)
            return y
    """) == []


def test_a_value_overwritten_in_a_loop_whose_adjoint_reads_it_is_recorded():
    # the adjoint of sin reads its argument, which the next iteration overwrites
    assert recorded("""
        def f(x):
            for i in range(3):
                x = np.sin(x)
            return x
    """) == ["x"]


def test_a_product_carried_through_a_loop_records_the_carried_factor():
    assert recorded("""
        def f(x):
            s = 1.0
            for i in range(3):
                s = s * x
            return s
    """) == ["s"]


def test_a_sum_carried_through_a_loop_records_nothing():
    # the adjoint of ``+`` reads no operand; ``w * x`` reads values no iteration changes
    assert recorded("""
        def f(x, w):
            s = 0.0
            for i in range(3):
                s = s + np.sum(w * x)
            return s
    """) == []


def test_a_value_recomputed_each_iteration_from_unchanged_inputs_is_not_recorded():
    assert recorded("""
        def f(x):
            s = 0.0
            for i in range(3):
                y = np.sin(x)
                s = s + np.sum(y)
            return s
    """) == []
