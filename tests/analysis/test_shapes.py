"""Shape classes (analysis/shapes.py): which values certainly share a shape, which are scalars, and
concrete shapes where the code is specialized to the arguments' shapes."""
from srcdiff import ir
from srcdiff.analysis.shapes import SCALAR
from tests.support.pass_runner import shapes


def classes_at_return(snippet, names, **options):
    facts, tree = shapes(snippet, **options)
    ret = tree.body[-1]
    return {n: facts.of(ir.Name(n), ret) for n in names}


def test_elementwise_results_join_their_operands_classes_and_reductions_are_scalars():
    cls = classes_at_return("""
        def f(x, b):
            y = x + b
            z = x * 2.0
            s = np.sum(z)
            return s
    """, "x b y z s".split())
    assert cls["y"] == cls["x"] | cls["b"]
    assert cls["z"] == cls["x"]  # a number broadcasts to nothing: no unbroadcast needed
    assert cls["y"] != cls["x"]  # ``b`` may have broadcast: the adjoint of ``b`` needs unbroadcast
    assert cls["s"] == SCALAR


def test_declared_scalars_are_scalars():
    cls = classes_at_return("""
        def f(x, a):
            y = x * a
            return y
    """, "x a y".split(), scalars=("a",))
    assert cls["a"] == SCALAR and cls["y"] == cls["x"]


def test_known_argument_shapes_give_concrete_shapes():
    facts, tree = shapes("""
        def f(x, W, b):
            h = x @ W
            y = h + b
            s = np.sum(y, axis=0)
            return s
    """, arg_shapes={"x": (32, 3), "W": (3, 4), "b": (4,)})
    assert facts.constant_shapes() == {"W": (3, 4), "b": (4,), "h": (32, 4), "s": (4,), "x": (32, 3),
                                       "y": (32, 4)}


def test_a_name_reassigned_in_a_loop_with_another_shape_gets_a_new_class():
    cls = classes_at_return("""
        def f(x, a):
            y = x * a
            for i in range(3):
                y = y[1:]
            return y
    """, "x y".split(), scalars=("a",))
    assert cls["y"] is not None and cls["y"] != cls["x"] and cls["y"] != SCALAR
