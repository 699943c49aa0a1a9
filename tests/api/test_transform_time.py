"""Transformation time grows linearly with the length of the code (issue 16, item 8): counted, not
timed. benchmarks/bench_transform.py prints the times."""
import gc

import numpy as np
import pytest

import srcdiff
import srcdiff.pipeline
from srcdiff.optimize import peephole
from srcdiff.front import syntax


def _function(text):
    return syntax.to_ir(syntax.parse_module(text)[0], text)


def _products(n):
    """``n`` statements ``y_k = 2.0 * x * w_k``, none reading another: nothing to merge."""
    return _function("def f(x):\n" + "".join("    y%d = 2.0 * x * w%d\n" % (k, k) for k in range(n))).body


def test_merge_factors_does_not_scan_back_over_the_block(monkeypatch):
    calls = []
    real = peephole._single_use_product
    monkeypatch.setattr(peephole, "_single_use_product", lambda *a: calls.append(1) or real(*a))
    body = _products(400)
    temps = {s.targets[0].id for s in body}
    out = peephole.merge_factors(body, temps)
    assert [syntax.unparse(s) for s in out] == [syntax.unparse(s) for s in body]
    assert len(calls) <= 2 * len(body), len(calls)  # the old pass asked about every earlier statement: 79,800


def test_factor_powers_of_two_still_reads_through_a_product_defined_far_back():
    body = _products(300) + _function("def g(x):\n    z = y0 + y1\n").body
    temps = {s.targets[0].id for s in body}
    out = peephole.factor_powers_of_two(body, temps, lambda e: True)
    assert syntax.unparse(out[-1]) == "z = 2.0 * (x * w0 + x * w1)\n" and len(out) == len(body) - 2


def test_the_garbage_collector_is_paused_while_transforming_and_restored(monkeypatch):
    seen = []
    real = srcdiff.pipeline.prepare
    monkeypatch.setattr(srcdiff.pipeline, "prepare", lambda *a, **k: seen.append(gc.isenabled()) or real(*a, **k))
    was = gc.isenabled()
    try:
        gc.enable()
        srcdiff.pipeline.reverse(_sum_of_sines, ["x"])
        assert seen == [False] and gc.isenabled()
        gc.disable()
        srcdiff.pipeline.forward(_sum_of_sines, ["x"])
        assert seen == [False, False] and not gc.isenabled()  # left as the caller had it
    finally:
        (gc.enable if was else gc.disable)()


def _sum_of_sines(x):
    return np.sum(np.sin(x) * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_unchanged_by_the_paused_collector(mode):
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(srcdiff.grad(_sum_of_sines, mode=mode)(x), np.sin(x) + x * np.cos(x), rtol=1e-12)


def test_inner_gradient_lookup_walks_only_for_calls_of_srcdiff_transformations(monkeypatch):
    from srcdiff.front import nested_grads
    walks = []
    real = nested_grads._mentions
    monkeypatch.setattr(nested_grads, "_mentions", lambda *a: walks.append(1) or real(*a))
    lines = "".join("    t%d = np.sin(t%d)\n" % (k + 1, k) for k in range(200))
    fn = _function("def f(t0):\n%s    return np.sum(t200)\n" % lines)

    class Ctx:
        statics = {}
    resolve = {"np.sin": np.sin}.get
    assert nested_grads.aliases(fn, Ctx(), lambda e: resolve(syntax.unparse(e).strip())) == {}
    assert walks == []  # the old lookup walked the whole function twice per call: 400 walks


def test_walk_yields_parents_before_children_in_source_order():
    from srcdiff import ir
    fn = _function("def f(x, *a, k=2, **kw):\n    y = g(x[1:, ::2], *a, k=k, **kw)\n"
                   "    z = {u: v for u, v in y if u}\n    w = [q for q in {1: x, **kw}]\n"
                   "    for i in range(3):\n        y += -x if i else z\n    else:\n        pass\n    return y, w\n")

    def preorder(node):
        yield node
        for child in node.children():
            yield from preorder(child)
    assert [id(n) for n in ir.walk(fn)] == [id(n) for n in preorder(fn)]
    assert len(list(ir.walk(fn))) > 60
