"""Golden sources: the exact generated text of a few gradients (update deliberately)."""
import numpy as np
import pytest

import srcdiff

from tests.data import golden_functions as gf

CASES = {
    'design_loss': (gf.design_loss, (0, 1), lambda: (np.ones((3, 4)), np.ones(4), np.ones((2, 3)), np.ones((2, 4))), """\
def grad_design_loss(W, b, x, y):
    # reverse mode: d(design_loss)/d(W, b)
    h = np.tanh(x @ W + b)
    t3 = h - y
    # return np.sum((h - y) ** 2)
    d_t3 = 2.0 * t3
    # h = np.tanh(x @ W + b)
    d_t2 = d_t3 * (1.0 - h * h)
    d_b = d_t2.sum(axis=0)
    d_W = x.T @ d_t2
    return (d_W, d_b)
"""),
    'logistic': (gf.logistic, 0, lambda: (np.ones(3), np.ones((5, 3)), np.ones(5)), """\
def grad_logistic(w, X, y):
    # reverse mode: d(logistic)/d(w)
    t3 = np.exp(-(X @ w))
    t4 = 1.0 + t3
    p = 1.0 / t4
    t7 = 1.0 - y
    t8 = 1.0 - p
    # return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    d_t11 = -1.0 / 5
    d_t9 = d_t11 * t7
    d_t8 = strong_div(d_t9, t8, True)
    d_t5 = d_t11 * y
    d_p = strong_div(d_t5, p, True) - d_t8
    # p = 1.0 / (1.0 + np.exp(-(X @ w)))
    neg_d_t4 = strong_mul(d_p, p / t4)
    neg_d_t2 = neg_d_t4 * t3
    d_w = neg_d_t2 @ X
    return d_w
"""),
    'rosenbrock': (gf.rosenbrock, 0, lambda: (np.ones(5),), """\
def grad_rosenbrock(x):
    # reverse mode: d(rosenbrock)/d(x)
    t1 = x[1:]
    t2 = x[:-1]
    t4 = t1 - t2 ** 2
    t8 = 1.0 - t2
    # return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    d_x = zeros_like(x)
    d_t4 = 200.0 * t4
    d_x[:-1] = -2.0 * (t8 + d_t4 * t2)
    d_x[1:] += d_t4
    return d_x
"""),
    'scalar_math': (gf.scalar_math, (0, 1), lambda: (0.5, 1.5), """\
def grad_scalar_math(a, b):
    # reverse mode: d(scalar_math)/d(a, b)
    r = math.sqrt(a * a + b * b)
    t5 = math.exp(-r)
    t6 = math.sin(a)
    t9 = 1.0 + b * b
    # return math.exp(-r) * math.sin(a) + math.log(1.0 + b * b)
    d_t9 = 1.0 / t9
    d_b = 2.0 * d_t9 * b
    d_a = t5 * math.cos(a)
    d_t4 = t6 * t5
    # r = math.sqrt(a * a + b * b)
    neg_d_t3 = strong_div(d_t4, 2.0 * r)
    d_b = d_b - 2.0 * neg_d_t3 * b
    d_a = d_a - 2.0 * neg_d_t3 * a
    return (d_a, d_b)
"""),
    'softmax_xent': (gf.softmax_xent, 0, lambda: (np.ones((3, 4)), np.ones((5, 3)), np.zeros(5, dtype=int)), """\
def grad_softmax_xent(W, X, labels):
    # reverse mode: d(softmax_xent)/d(W)
    z = X @ W
    z2 = z - z.max(axis=1, keepdims=True)
    t2 = np.exp(z2)
    t3 = t2.sum(axis=1, keepdims=True)
    t4 = np.log(t3)
    logp = z2 - t4
    t6 = np.arange(len(labels))
    t7 = logp[t6, labels]
    # return -np.mean(logp[np.arange(len(labels)), labels])
    d_t7 = -1.0 / np.size(t7)
    d_logp = zeros_like(logp)
    add_at(d_logp, (t6, labels), d_t7)
    # logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    neg_d_t4 = unbroadcast(d_logp, t4)
    neg_d_t3 = strong_div(neg_d_t4, t3, True)
    d_t2 = expand(-neg_d_t3, t2, 1, True)
    d_z2 = d_logp + d_t2 * t2
    # z = X @ W
    d_W = matmul_rhs(d_z2, X, W)
    return d_W
"""),
    'euler': (gf.euler, (0, 1, 2), lambda: (1.0, 1.0, 0.0), """\
def grad_euler(k, x0, v0):
    # reverse mode: d(euler)/d(k, x0, v0)
    tape = []
    x = x0
    v = v0
    dt = 0.01
    for _ in range(100):
        t1 = -k
        a = t1 * x
        v = v + dt * a
        t3 = dt * v
        tape.append(x)
        x = x + t3
    # for _ in range(100):
    d_x = 1.0
    d_k = 0.0
    d_v = 0.0
    for _ in reversed(range(100)):
        x = tape.pop()
        # x = x + dt * v
        d_v = d_v + d_x * dt
        # v = v + dt * a
        d_a = d_v * dt
        # a = -k * x
        d_t1 = d_a * x
        d_x = d_x + d_a * t1
        d_k = d_k - d_t1
    return (d_k, d_x, d_v)
"""),
    'rnn': (gf.rnn, (0, 1, 3), lambda: (np.eye(3), np.ones((3, 2)), np.ones((4, 2)), np.zeros(3)), """\
def grad_rnn(Wh, Wx, xs, h0):
    # reverse mode: d(rnn)/d(Wh, Wx, h0)
    tape = []
    h = h0
    t1 = len(xs)
    for t in range(t1):
        t2 = Wh @ h
        t3 = xs[t]
        t5 = t2 + Wx @ t3
        tape.append(h)
        h = np.tanh(t5)
    # for t in range(len(xs)):
    d_h = expand(1.0, h)
    d_Wx_g = []
    d_Wx_x = []
    d_Wh_g = []
    d_Wh_x = []
    for t in reversed(range(t1)):
        t3 = xs[t]
        # h = np.tanh(Wh @ h + Wx @ xs[t])
        d_t5 = d_h * (1.0 - h * h)
        h = tape.pop()
        d_Wx_g.append(d_t5)
        d_Wx_x.append(t3)
        d_Wh_g.append(d_t5)
        d_Wh_x.append(h)
        d_h = matmul_rhs(d_t5, Wh, h)
    # d_Wx, d_Wh: the terms of every step summed at once
    d_Wx = matmul_lhs_sum(d_Wx_g, Wx, d_Wx_x)
    d_Wh = matmul_lhs_sum(d_Wh_g, Wh, d_Wh_x)
    return (d_Wh, d_Wx, owned(d_h))
"""),
    'piecewise': (gf.piecewise, (0, 1), lambda: (0.5, 2.0), """\
def grad_piecewise(x, w):
    # reverse mode: d(piecewise)/d(x, w)
    t1 = x > 0.0
    if t1:
        t2 = w * x
    else:
        t3 = math.sin(x)
    # if x > 0.0:
    if t1:
        # y = w * x * x
        d_x = 1.0 + t2
        d_w = x * x
        d_x = d_x + x * w
    else:
        # y = w * math.sin(x)
        d_w = t3
        d_x = 1.0 + w * math.cos(x)
    return (d_x, d_w)
"""),
    'newton_sqrt': (gf.newton_sqrt, 0, lambda: (2.0,), """\
def grad_newton_sqrt(a):
    # reverse mode: d(newton_sqrt)/d(a)
    t8 = None
    t9 = None
    tape = []
    x = a
    count = 0
    while True:
        count = count + 1
        t7 = abs(x * x - a)
        tape.append(t8)
        t8 = t7 > 1e-10
        if not t8:
            break
        else:
            tape.append(t9)
            t9 = a / x
            t10 = x + t9
            tape.append(x)
            x = 0.5 * t10
    # while abs(x * x - a) > 1e-10:
    d_x = 1.0
    d_a = 0.0
    for _ in range(count):
        # while abs(x * x - a) > 1e-10:
        if t8:
            # x = 0.5 * (x + a / x)
            d_t10 = d_x * 0.5
            x = tape.pop()
            d_a = d_a + strong_div(d_t10, x)
            d_x = d_t10 - strong_mul(d_t10, t9 / x)
            t9 = tape.pop()
        t8 = tape.pop()
    # x = a
    d_a = d_a + d_x
    return d_a
"""),
    'first_large': (gf.first_large, 0, lambda: (np.array([0.5, 3.0, 1.0]), 2.0), """\
def grad_first_large(xs, threshold):
    # reverse mode: d(first_large)/d(xs)
    result = None
    t4 = None
    tape = []
    returned = False
    total = 0.0
    seq = as_sequence(xs)
    t1 = len(seq)
    count = 0
    for k in range(t1):
        count = count + 1
        x = seq[k]
        t2 = x > threshold
        if t2:
            t3 = total * x
            tape.append(result)
            result = t3
            returned = True
            break
        else:
            tape.append(t4)
            t4 = x * x
            total2 = total + t4
            tape.append(total)
            total = total2
    if not returned:
        tape.append(result)
        result = total
    require_scalar(result, 'first_large')
    # for x in xs:
    if returned:
        d_result = 1.0
        d_total = zeros_like(total)
    else:
        result = tape.pop()
        d_result = zeros_like(result)
        d_total = 1.0
    d_seq = zeros_like(seq)
    for k in reversed(range(t1)[:count]):
        x = seq[k]
        t2 = x > threshold
        # if x > threshold:
        if t2:
            result = tape.pop()
            # return total * x
            d_total = d_total + unbroadcast(d_result * x, total)
            d_x = unbroadcast(d_result * total, x)
            d_result = zeros_like(result)
        else:
            total = tape.pop()
            # total = total + x * x
            d_total_out = d_total
            d_total = unbroadcast(d_total_out, total)
            d_t4 = unbroadcast(d_total_out, t4)
            d_x = 2 * d_t4 * x
            t4 = tape.pop()
        # for x in xs:
        add_at(d_seq, k, d_x)
    return owned(d_seq)
"""),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_source(name):
    fun, wrt, args, expected = CASES[name]
    assert srcdiff.grad(fun, wrt=wrt).source_for(*args()) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_functions_are_correct(name):
    fun, wrt, args, _ = CASES[name]
    srcdiff.check_grad(fun, *args(), wrt=wrt)


FORWARD = {
    'design_loss': (gf.design_loss, (0, 1), lambda: (np.ones((3, 4)), np.ones(4), np.ones((2, 3)), np.ones((2, 4))), """\
def design_loss_tangent(W, b, x, y, *, t_W, t_b):
    # forward mode: tangent of design_loss along W, b
    t1 = x @ W
    t_t1 = x @ t_W
    t2 = t1 + b
    t_t2 = t_t1 + t_b
    h = np.tanh(t2)
    t_h = t_t2 * (1.0 - h * h)
    t3 = h - y
    t4 = t3 ** 2
    t_t4 = t_h * 2.0 * t3
    t5 = t4.sum()
    t_t5 = t_t4.sum()
    return (t5, t_t5)
"""),
    'euler': (gf.euler, 0, lambda: (1.0, 1.0, 0.0), """\
def euler_tangent(k, x0, v0, *, t_k):
    # forward mode: tangent of euler along k
    x = x0
    v = v0
    dt = 0.01
    t_v = 0.0
    t_x = 0.0
    for _ in range(100):
        t1 = -k
        t_t1 = -t_k
        a = t1 * x
        t_a = t_t1 * x + t1 * t_x
        t2 = dt * a
        t_t2 = dt * t_a
        v = v + t2
        t_v = t_v + t_t2
        t3 = dt * v
        t_t3 = dt * t_v
        x = x + t3
        t_x = t_x + t_t3
    return (x, t_x)
"""),
    'piecewise': (gf.piecewise, (0, 1), lambda: (0.5, 2.0), """\
def piecewise_tangent(x, w, *, t_x, t_w):
    # forward mode: tangent of piecewise along x, w
    t1 = x > 0.0
    if t1:
        t2 = w * x
        t_t2 = t_w * x + w * t_x
        y = t2 * x
        t_y = t_t2 * x + t2 * t_x
    else:
        t3 = math.sin(x)
        t_t3 = t_x * math.cos(x)
        y = w * t3
        t_y = t_w * t3 + w * t_t3
    t4 = y + x
    t_t4 = t_y + t_x
    return (t4, t_t4)
"""),
    'rnn': (gf.rnn, 0, lambda: (np.eye(3), np.ones((3, 2)), np.ones((4, 2)), np.zeros(3)), """\
def rnn_tangent(Wh, Wx, xs, h0, *, t_Wh):
    # forward mode: tangent of rnn along Wh
    h = h0
    t1 = len(xs)
    t_h = zeros_like(h)
    for t in range(t1):
        t2 = Wh @ h
        t_t2 = t_Wh @ h + Wh @ t_h
        t5 = t2 + Wx @ xs[t]
        h = np.tanh(t5)
        t_h = t_t2 * (1.0 - h * h)
    t6 = np.sum(h)
    t_t6 = np.sum(t_h)
    return (t6, t_t6)
"""),
}


HVP_ROSENBROCK = """\
def grad_rosenbrock_tangent(x, *, t_x):
    # forward mode: tangent of grad_rosenbrock along x
    t1 = x[1:]
    t_t1 = t_x[1:]
    t2 = x[:-1]
    t_t2 = t_x[:-1]
    t3 = t2 ** 2
    t_t3 = t_t2 * 2.0 * t2
    t4 = t1 - t3
    t_t4 = t_t1 - t_t3
    t_t8 = -t_t2
    d_t4 = 200.0 * t4
    t_d_t4 = 200.0 * t_t4
    t_t5 = t_d_t4 * t2 + d_t4 * t_t2
    t_t6 = t_t8 + t_t5
    t_t7 = -2.0 * t_t6
    t_d_x = zeros_like(x)
    t_d_x[:-1] = t_t7
    t_t9 = t_d_x[1:]
    t_t10 = t_t9 + t_d_t4
    t_d_x[1:] = t_t10
    return t_d_x
"""


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_generated_tangent_source(name):
    fun, wrt, args, expected = FORWARD[name]
    assert srcdiff.forward(fun, wrt=wrt).source_for(*args()) == expected


def test_generated_hessian_vector_product_source():
    assert srcdiff.hvp(gf.rosenbrock).source_for(np.ones(5)) == HVP_ROSENBROCK
