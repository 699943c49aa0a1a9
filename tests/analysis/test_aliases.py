"""Aliases and effects (analysis/aliases.py, analysis/effects.py): which arrays share memory, which
are written in place, and which callees write into what they are given."""
from srcdiff.analysis import aliases, effects
from tests.support.pass_runner import front

VIEWS = """
    def f(x, w):
        v = x[1:]
        r = w.reshape(-1)
        c = w.copy()
        c[0] = 1.0
        v[0] = 2.0
        return np.sum(v * r * c)
"""


def test_views_and_reshapes_share_memory_with_their_source_and_copies_do_not():
    tree, _, classify = front(VIEWS)
    assert aliases.memory_sources(tree, classify) == {"v": {"x"}, "r": {"w"}}


def test_a_write_through_a_view_writes_its_source():
    tree, _, classify = front(VIEWS)
    assert sorted(aliases.written_arrays(tree, classify)) == ["c", "v", "x"]  # not w: c is a copy


def test_mutated_parameters_are_direct_writes_only():
    tree, _, classify = front("""
        def f(x, y, z):
            x[0] = 1.0
            y.append(2.0)
            t = z * 2.0
            t[0] = 0.0
            return x
    """)
    assert aliases.mutated_parameters(tree, classify) == ["x", "y"]


def writes_first(a):
    a[0] = 0.0
    return a


def doubles(a):
    return a * 2.0


def calls_a_writer(a):
    return writes_first(a)


def calls_a_reader(a):
    return doubles(a) + 1.0


def test_callees_that_write_into_their_arguments_are_found_through_calls():
    assert not effects.writes_nothing(writes_first)
    assert not effects.writes_nothing(calls_a_writer)
    assert effects.writes_nothing(doubles)
    assert effects.writes_nothing(calls_a_reader)
