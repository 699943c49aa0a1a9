"""What the forward sweep records: only values the reverse sweep needs and the forward overwrites."""
import numpy as np
import pytest

import srcdiff


def euler(k, x0, v0, steps):
    x, v = x0, v0
    for _ in range(steps):
        a = -k * x
        v = v + 0.01 * a
        x = x + 0.01 * v
    return x


def rnn(Wh, Wx, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(Wh @ h + Wx @ xs[t])
    return np.sum(h)


def rnn_listed(Whs, Wx, xs, h0):
    h = h0
    for t in range(len(xs)):
        h = np.tanh(Whs[0] @ h + Wx @ xs[t])
    return np.sum(h)


def recurrence(x, a):
    y = np.zeros(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = a * y[i - 1] + x[i]
    return np.sum(y ** 2)


def invariant_work(c, W):
    s = 0.0
    for i in range(50):
        scale = np.sum(W) * 2.0  # the same value every iteration: never taped
        s = s + scale * c
    return s


def test_scalar_loop_tapes_one_float_per_step():
    value, pullback = srcdiff.vjp(euler, wrt=(0, 1, 2))(2.0, 1.0, 0.0, 10_000)
    assert pullback.tape_entries == 10_000 and pullback.tape_bytes == 80_000
    # a hand-written gradient keeps the 10,000 positions too: the tape is no bigger
    grads = pullback(1.0)
    ref = srcdiff.grad(euler, wrt=(0, 1, 2))(2.0, 1.0, 0.0, 10_000)
    np.testing.assert_allclose(grads, ref)


def test_rnn_tapes_hidden_states():
    rng = np.random.default_rng(0)
    H, T = 16, 30
    args = (rng.standard_normal((H, H)) * 0.3, rng.standard_normal((H, 8)), rng.standard_normal((T, 8)), np.zeros(H))
    _, pullback = srcdiff.vjp(rnn, wrt=(0, 1, 3))(*args)
    # per step: the previous hidden state only; xs[t] is read again instead. The code is specialized
    # to the argument shapes, so Wh @ h and Wx @ xs[t] are known to have one shape: no products are
    # kept for the sake of their shapes
    assert pullback.tape_entries == T
    assert pullback.tape_bytes == T * H * 8
    srcdiff.check_grad(rnn, *args, wrt=(0, 1, 3))


def test_rnn_with_a_matrix_whose_shape_is_not_known_tapes_products_for_their_shapes():
    """A weight matrix inside a list is not specialized: (1, 8) @ x broadcasting against (16,) is
    possible as far as srcdiff knows, so the products are kept for unbroadcast."""
    rng = np.random.default_rng(0)
    H, T = 16, 30
    args = ([rng.standard_normal((H, H)) * 0.3], rng.standard_normal((H, 8)), rng.standard_normal((T, 8)),
            np.zeros(H))
    _, pullback = srcdiff.vjp(rnn_listed, wrt=(0, 1, 3))(*args)
    assert pullback.tape_entries == 3 * T
    srcdiff.check_grad(rnn_listed, *args, wrt=(0, 1, 3))


def test_overwrite_loop_tapes_overwritten_elements():
    x = np.linspace(0.1, 1.0, 100)
    _, pullback = srcdiff.vjp(recurrence, wrt=(0, 1))(x, 0.7)
    # per step: two values the adjoint reads (y[i - 1], the new element), and the element y[i]
    # about to be overwritten: y[i - 1] could be a view of y (for a 2-D y it is), so y is restored
    # step by step in the reverse sweep. (Code not specialized to x's shape also keeps a * y[i - 1],
    # for its shape.)
    assert pullback.tape_entries == 3 * 99
    assert pullback.tape_bytes == 3 * 99 * 8
    srcdiff.check_grad(recurrence, x, 0.7, wrt=(0, 1))


def test_loop_invariant_values_are_not_taped():
    rng = np.random.default_rng(1)
    _, pullback = srcdiff.vjp(invariant_work, wrt=(0, 1))(0.5, rng.standard_normal((3, 3)))
    assert pullback.tape_entries == 0
    srcdiff.check_grad(invariant_work, 0.5, rng.standard_normal((3, 3)), wrt=(0, 1))


def projectile(angle, drag, dt):
    x, y = 0.0, 0.0
    vx, vy = 20.0 * np.cos(angle), 20.0 * np.sin(angle)
    x_prev, y_prev = x, y
    while y >= 0.0:
        x_prev, y_prev = x, y  # overwritten every step, read only after the loop
        x = x + dt * vx
        y = y + dt * vy
        k = dt * drag  # invariant, but assigned inside the branch the while loop lowers to
        vx = vx - k * vx
        vy = vy - dt * 9.81
    return x_prev + (x - x_prev) * y_prev / (y_prev - y)


def test_values_read_only_after_a_loop_and_conditional_invariants_are_not_taped():
    _, pullback = srcdiff.vjp(projectile, wrt=(0, 1))(0.8, 0.05, 0.01)
    source = srcdiff.vjp(projectile, wrt=(0, 1)).source_for(0.8, 0.05, 0.01)
    assert "tape.append(x_prev)" not in source and "tape.append(y_prev)" not in source
    assert "tape.append(k)" not in source
    assert "tape.append(vx)" in source  # d drag needs each step's vx: per step, vx and the loop decision
    steps, y, vy = 0, 0.0, 20.0 * np.sin(0.8)
    while y >= 0.0:
        steps, y, vy = steps + 1, y + 0.01 * vy, vy - 0.01 * 9.81
    assert pullback.tape_entries == 2 * steps + 1  # the decision that ended the loop, too
    srcdiff.check_grad(projectile, 0.8, 0.05, 0.01, wrt=(0, 1))


def adds_an_axis_in_a_loop(z):
    for _ in range(2):
        z = z[None] * 1.5
    for _ in range(1):
        z = z[None]
    return np.sum(z * z)


def reshapes_in_a_loop(z):
    for _ in range(1):
        z = z.reshape(1, 5, 4)
    return np.sum(np.sin(z))


def test_a_loop_that_changes_an_arrays_rank():
    """``z = z[None]`` in a loop: the adjoint of the new ``z`` is held before the old one's is
    built (it used to be overwritten by zeros: a gradient of zero), and ``z = z.reshape(...)``
    keeps the old ``z`` for its shape (its adjoint used to read the new one)."""
    z = np.random.default_rng(4).standard_normal((5, 4))
    for fun in (adds_an_axis_in_a_loop, reshapes_in_a_loop):
        srcdiff.check_grad(fun, z)
        t = np.ones_like(z)
        _, jt = srcdiff.jvp(fun, (z,), t)
        np.testing.assert_allclose(jt, np.vdot(srcdiff.grad(fun)(z), t), rtol=1e-12)


def _write_then_rebind_in_a_branch(x, s):
    v0 = np.tanh(x).ravel()  # a view of tanh(x), which the reverse sweep reads
    if x[0] < 1.765:
        v0[...] += s
        v0 = v0 * 0.5
    return np.prod(np.tanh(s * v0))


def _write_then_rebind_in_a_loop(x, s):
    v = np.tanh(x).ravel()
    for i in range(2):
        v[1:] += s
        v = v * 0.5 + v
    return np.sum(np.sin(v) * x)


@pytest.mark.parametrize("fun", [_write_then_rebind_in_a_branch, _write_then_rebind_in_a_loop],
                         ids=["branch", "loop"])
def test_a_restore_goes_into_the_array_that_was_written(fun):
    """Found by the fuzzer (older than issue 15): ``v0[...] += s`` then ``v0 = v0 * 0.5`` in a branch;
    the reverse sweep restored the overwritten entries into the new ``v0``, so ``tanh(x)``, which
    the old ``v0`` is a view of, stayed overwritten and its derivative was wrong."""
    x, s = np.array([1.281041, -0.236326, 0.879695, 0.142871]), -1.102127
    eps = 1e-6
    fd = np.array([(fun(x + eps * e, s) - fun(x - eps * e, s)) / (2 * eps) for e in np.eye(4)])
    np.testing.assert_allclose(srcdiff.grad(fun)(x, s), fd, rtol=1e-6, atol=1e-9)
    v = np.array([0.5, -1.0, 0.25, 2.0])
    np.testing.assert_allclose(srcdiff.jvp(fun, (x, s), v)[1], fd @ v, rtol=1e-6, atol=1e-9)
