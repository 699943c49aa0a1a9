"""Each cleanup pass (passes.CLEANUP, optimize/finish.py) alone on code written as generated code is:
what it must rewrite, and what it must leave alone."""
import pytest

from srcdiff import passes
from srcdiff.runtime import helpers, kernels
from tests.support.pass_runner import cleanup_pass, text

BIG = {"x": (200, 200)}
BIG_SIZES = {"x": 40000, "t1": 40000, "t2": 40000, "t3": 40000}

# (pass, why, snippet, finish.Facts fields, expected text or None for "unchanged")
CASES = [
    ("drop empty blocks", "an if and a loop with nothing to do go", """
        def g(x, c):
            if c:
                pass
            for i in range(3):
                pass
            y = x * 2.0
            return y
    """, {}, """
        def g(x, c):
            y = x * 2.0
            return y
    """),
    ("drop empty blocks", "blocks with work stay", """
        def g(x, c):
            y = x
            if c:
                y = x * 2.0
            for i in range(3):
                y = y + 1.0
            return y
    """, {}, None),
    ("inline temporaries", "a temporary read once by the next statement is inlined; one read twice stays", """
        def g(x):
            t1 = x * 2.0
            t2 = np.sin(t1)
            y = t2 + t1
            return y
    """, {"temps": {"t1", "t2"}}, """
        def g(x):
            t1 = x * 2.0
            y = np.sin(t1) + t1
            return y
    """),
    ("inline temporaries", "names to keep and the user's own names stay", """
        def g(x):
            t2 = np.sin(x)
            a = t2 * 3.0
            y = a + 1.0
            return y
    """, {"temps": {"t2"}, "keep": {"t2"}}, None),
    ("drop dead code", "values nothing reads go", """
        def g(x):
            a = x * 2.0
            b = np.sin(x)
            c = b + 1.0
            return a
    """, {}, """
        def g(x):
            a = x * 2.0
            return a
    """),
    ("drop dead code", "a value only a loop carries goes with its loop", """
        def g(x, w):
            s = 0.0
            out = 0.0
            for i in range(3):
                s = s + np.sum(x)
                out = out + w
            return out
    """, {}, """
        def g(x, w):
            out = 0.0
            for i in range(3):
                out = out + w
            return out
    """),
    ("drop dead code", "used values, calls with effects and writes into arguments stay", """
        def g(x):
            a = x * 2.0
            print(a)
            x[0] = 1.0
            b = np.cos(a)
            return b
    """, {}, None),
    ("floating gradients", "an adjoint that may hold booleans is made floating point", """
        def g(x, m):
            d_x = m
            return d_x
    """, {"gradients": {"d_x"}, "derivatives": {"d_x"}, "floats": {"x"}}, """
        def g(x, m):
            d_x = floating(m)
            return d_x
    """),
    ("floating gradients", "an adjoint certainly floating point stays", """
        def g(x, m):
            d_y = x * 2.0
            return d_y
    """, {"gradients": {"d_y"}, "derivatives": {"d_y"}, "floats": {"x"}}, None),
    ("specialize helpers", "unbroadcast over a known leading axis is a sum", """
        def g(x, b, d_y):
            d_b = unbroadcast(d_y, b)
            return d_b
    """, {"arg_shapes": {"x": (32, 3), "b": (3,), "d_y": (32, 3)}, "shapes": {"d_y": (32, 3), "b": (3,)}}, """
        def g(x, b, d_y):
            d_b = d_y.sum(axis=0)
            return d_b
    """),
    ("specialize helpers", "without known shapes the helper stays", """
        def g(x, b, d_y):
            d_b = unbroadcast(d_y, b)
            return d_b
    """, {}, None),
    ("share views", "the same constant slice of an argument is taken once", """
        def g(x):
            a = x[1:]
            b = x[1:]
            c = a * b
            return c
    """, {"arg_shapes": {"x": (4,)}}, """
        def g(x):
            a = x[1:]
            c = a * a
            return c
    """),
    ("share views", "different slices, and slices of a reassigned array, stay", """
        def g(x, y):
            a = x[1:]
            b = x[2:]
            c = y[1:]
            y = y * 2.0
            e = y[1:]
            return a * b + c * e
    """, {"arg_shapes": {"x": (4,), "y": (4,)}}, None),
    ("merge factors", "constant factors of a one-use product are multiplied together", """
        def g(x, d_y):
            t1 = 2.0 * d_y
            d_x = 3.0 * t1
            return d_x
    """, {"temps": {"t1"}, "derivatives": {"d_x", "d_y"}}, """
        def g(x, d_y):
            d_x = 6.0 * d_y
            return d_x
    """),
    ("merge factors", "a product read twice stays", """
        def g(x, d_y):
            t1 = 2.0 * d_y
            d_x = 3.0 * t1
            d_w = t1 * x
            return d_x, d_w
    """, {"temps": {"t1"}, "derivatives": {"d_x", "d_y", "d_w"}}, None),
    ("fold negations", "a one-use negation becomes a subtraction", """
        def g(x, b, c):
            t1 = -x
            y = b + t1 * c
            return y
    """, {"temps": {"t1"}}, """
        def g(x, b, c):
            y = b - x * c
            return y
    """),
    ("fold negations", "a negation the user named stays", """
        def g(x, b, c):
            n = -x
            y = b + n * c
            return y
    """, {"temps": {"t1"}}, None),
    ("merge slice writes", "a slice written then added to is written once", """
        def g(x, a, b):
            d = zeros_like(x)
            d[1:3] = a
            d[1:3] += b
            return d
    """, {"floats": {"x", "a", "b"}, "derivatives": {"d", "a", "b"}}, """
        def g(x, a, b):
            d = zeros_like(x)
            d[1:3] = a + b
            return d
    """),
    ("merge slice writes", "writes into different slices stay", """
        def g(x, a, b):
            d = zeros_like(x)
            d[1:3] = a
            d[2:4] += b
            return d
    """, {"floats": {"x", "a", "b"}, "derivatives": {"d", "a", "b"}}, None),
    ("factor powers of two", "a shared power-of-two factor is applied once", """
        def g(a, b, c):
            y = -2.0 * a + b * -2.0 * c
            return y
    """, {"derivatives": {"a", "b", "c"}, "floats": {"a", "b", "c"}}, """
        def g(a, b, c):
            y = -2.0 * (a + b * c)
            return y
    """),
    ("factor powers of two", "a factor that is not a power of two stays (factoring it would round)", """
        def g(a, b, c):
            y = 3.0 * a + b * 3.0 * c
            return y
    """, {"derivatives": {"a", "b", "c"}, "floats": {"a", "b", "c"}}, None),
    ("float constants", "integers in float arithmetic are written as floats", """
        def g(d_y):
            d_x = 2 * d_y
            d_z = d_y / 2 + 1
            return d_x, d_z
    """, {"derivatives": {"d_y", "d_x", "d_z"}, "floats": {"d_y"}}, """
        def g(d_y):
            d_x = 2.0 * d_y
            d_z = d_y / 2.0 + 1.0
            return (d_x, d_z)
    """),
    ("float constants", "integer arithmetic, and arithmetic on values of unknown type, stays", """
        def g(d_y, k):
            n = 2 * 3
            m = k * 2
            return n, m
    """, {"derivatives": {"d_y"}, "floats": {"d_y"}}, None),
    ("propagate copies", "a copy read before its source changes is dropped", """
        def g(d_x, c):
            d_x_out = d_x
            d_y = d_x_out * c
            return d_y
    """, {"copies": {"d_x_out"}}, """
        def g(d_x, c):
            d_y = d_x * c
            return d_y
    """),
    ("propagate copies", "a copy read after its source is bound again stays", """
        def g(d_x, c):
            d_x_out = d_x
            d_x = d_x_out * c
            d_y = d_x_out
            return d_x, d_y
    """, {"copies": {"d_x_out"}}, None),
    ("reuse memory", "a large temporary read for the last time lends its memory", """
        def g(x):
            t1 = np.sin(x)
            t2 = np.cos(t1)
            return t2
    """, {"arg_shapes": BIG, "sizes": BIG_SIZES, "temps": {"t1", "t2"}}, """
        def g(x):
            t1 = np.sin(x)
            t2 = np.cos(t1, out=spare(t1))
            return t2
    """),
    ("reuse memory", "a temporary read again later keeps its memory; small arrays are left alone", """
        def g(x):
            t1 = np.sin(x)
            t2 = np.cos(t1)
            t3 = t2 + t1
            return t3
    """, {"arg_shapes": {"x": (3,)}, "sizes": {"x": 3, "t1": 3, "t2": 3, "t3": 3}, "temps": {"t1", "t2"}}, None),
    ("store first writes", "a new gradient written once into its slot of fresh zeros is stored as it is", """
        def g(seq, t, n):
            d_seq = zeros_like(seq)
            for k in reversed(range(n)):
                d_W = t * 2.0
                add_at(d_seq, k, d_W)
            return d_seq
    """, {"add_at": helpers.add_at}, """
        def g(seq, t, n):
            d_seq = zeros_like(seq)
            for k in reversed(range(n)):
                d_W = t * 2.0
                first_at(d_seq, k, d_W, True)
            return d_seq
    """),
    ("store first writes", "a value something else holds (a plain name) is still added", """
        def g(seq, t, n):
            d_seq = zeros_like(seq)
            for k in reversed(range(n)):
                d_W = t
                add_at(d_seq, k, d_W)
            return d_seq
    """, {"add_at": helpers.add_at}, None),
    ("skip dead last trip", "a product the last trip makes for nothing is guarded by the index", """
        def g(h, W, d, n):
            for k in reversed(range(n)):
                d = dot_lhs(d, h, W)
            return 0.0
    """, {"dot_lhs": kernels.dot_lhs}, """
        def g(h, W, d, n):
            for k in reversed(range(n)):
                if k:
                    d = dot_lhs(d, h, W)
            return 0.0
    """),
    ("skip dead last trip", "a product read after the loop is made on every trip", """
        def g(h, W, d, n):
            for k in reversed(range(n)):
                d = dot_lhs(d, h, W)
            return d
    """, {"dot_lhs": kernels.dot_lhs}, None),
]


@pytest.mark.parametrize("name, why, snippet, facts, expected", CASES, ids=["%s: %s" % c[:2] for c in CASES])
def test_cleanup_pass(name, why, snippet, facts, expected):
    step = cleanup_pass(name, snippet, **facts)
    assert step.after == (step.before if expected is None else text(expected))
    if expected is not None:
        assert step.after != step.before


def test_the_second_dead_code_pass_is_the_first():
    """``drop dead code again`` runs the same pass later in the list (after the peepholes)."""
    [first] = [p for p in passes.CLEANUP if p.name == "drop dead code"]
    [again] = [p for p in passes.CLEANUP if p.name == "drop dead code again"]
    assert again.run is first.run


def test_every_cleanup_pass_has_cases_of_both_kinds():
    tested = {p.name for p in passes.CLEANUP} - {"drop dead code again"}
    rewrites = {c[0] for c in CASES if c[4] is not None}
    keeps = {c[0] for c in CASES if c[4] is None}
    assert tested == rewrites == keeps
