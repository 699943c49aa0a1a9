"""A corpus of user-style NumPy functions for srcdiff, with a table of gradient-check cases.

Every function here is written the way a user would write it (no srcdiff-specific style). The
table ``CASES`` at the bottom pairs each function with a zero-argument builder of its inputs
(fixed seeds) and the arguments to differentiate; tests/end_to_end/test_corpus.py checks srcdiff's
gradients against central finite differences for each case.

Known srcdiff bugs are recorded on the cases as ``bugs=(...)`` (strict xfails in the tests), and
functions srcdiff refuses on purpose as ``refuses=<error>``.
"""
import math
from dataclasses import dataclass, replace

import numpy as np

import srcdiff
from tests.data.corpus_helpers import huber, l2_penalty, softplus

# ----------------------------------------------------------------- module globals (constants)

LEARNING_RATE = 0.1
PRIOR_SCALE = 2.5
BASIS = np.array([[1.0, 0.5, -0.25], [0.0, 1.0, 0.5]])
LOG_2PI = math.log(2.0 * math.pi)


class Config:
    """A module-level settings object whose attributes functions read."""

    weight_decay = 0.05
    temperature = 1.7


CONFIG = Config()


# =================================================================== straight-line code


def logistic_regression_loss(w, b, X, y):
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def mlp_tanh_mse(W1, b1, W2, b2, X, Y):
    hidden = np.tanh(X @ W1 + b1)
    pred = hidden @ W2 + b2
    return np.mean((pred - Y) ** 2)


def mlp_relu_softmax_xent(W1, b1, W2, b2, X, labels):
    h = np.maximum(X @ W1 + b1, 0.0)
    logits = h @ W2 + b2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(logits)
    p = e / np.sum(e, axis=1, keepdims=True)
    n = X.shape[0]
    return -np.mean(np.log(p[np.arange(n), labels]))


def softmax_cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    n = len(labels)
    return -np.mean(log_probs[np.arange(n), labels])


def softmax_probability_of_one_class(z):
    e = np.exp(z - np.max(z))
    return -np.log(e[1] / np.sum(e))  # the sum's adjoint is a broadcast view, then e[1] adds to it


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def gaussian_nll(mu, log_sigma, x):
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    n = x.shape[0]
    return 0.5 * np.sum(z ** 2) + n * log_sigma + 0.5 * n * LOG_2PI


def diagonal_gaussian_nll(mu, log_var, X):
    var = np.exp(log_var)
    return 0.5 * np.sum((X - mu) ** 2 / var + log_var + np.log(2 * np.pi))


def math_on_floats(a, b):
    r = math.sqrt(a * a + b * b)
    return math.sin(a) * math.exp(b) + r - math.log(1.0 + b * b) + math.tanh(a - b) + math.atan(a) ** 2


def reductions_with_keywords(X):
    col_mean = X.mean(axis=0, keepdims=True)
    centered = X - col_mean
    row_norm = np.sqrt(np.sum(centered ** 2, axis=1))
    spread = np.std(X, axis=0)
    return np.sum(row_norm) + np.prod(spread) + np.max(X, axis=1).sum()


def array_methods(x, y):
    A = x.reshape(2, 3)
    B = A.T
    colsum = B.sum(axis=1)
    flat = A.reshape(-1)
    return colsum.dot(y) + x.mean() + flat.dot(x) * 0.1 + B.transpose().ravel().sum() ** 2


def uses_module_globals(w, X):
    feats = X @ BASIS
    pred = feats @ w * PRIOR_SCALE
    return np.sum(np.sin(pred)) + CONFIG.weight_decay * np.sum(w ** 2) / CONFIG.temperature


def make_regularized_loss(reg, targets):
    """A factory: the loss closes over a float and an array."""
    def regularized_loss(w, X):
        resid = X @ w - targets
        return np.mean(resid ** 2) + reg * np.sum(np.abs(w))
    return regularized_loss


closure_loss_small_reg = make_regularized_loss(0.01, np.array([1.0, -1.0, 0.5, 2.0]))
closure_loss_big_reg = make_regularized_loss(0.7, np.array([0.0, 3.0, -0.5, 1.0]))


def self_attention(Q, K, V):
    d = Q.shape[-1]
    scores = Q @ K.T / np.sqrt(d)
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=1, keepdims=True)
    out = weights @ V
    return np.sum(out ** 2)


def batch_norm_loss(gamma, beta, X):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    xhat = (X - mu) / np.sqrt(var + 1e-5)
    out = gamma * xhat + beta
    return np.sum(np.tanh(out) * np.arange(out.size).reshape(out.shape))


def rbf_kernel_quadratic(log_ls, X, alpha):
    ls = np.exp(log_ls)
    diff = X[:, None, :] - X[None, :, :]
    sqdist = np.sum(diff ** 2, axis=-1)
    K = np.exp(-0.5 * sqdist / ls ** 2)
    return alpha @ K @ alpha


def gaussian_log_det(L, x):
    cov = L @ L.T + np.eye(L.shape[0])
    sol = np.linalg.solve(cov, x)
    return 0.5 * x @ sol + 0.5 * np.log(np.linalg.det(cov))


def ridge_with_norm(w, X, y, lam):
    return np.linalg.norm(X @ w - y) ** 2 + lam * np.linalg.norm(w)


def robust_regression(w, X, y):
    r = X @ w - y
    return np.sum(huber(r, delta=0.5)) + l2_penalty([w], lam=0.1)


def softplus_logistic(w, X, y):
    z = X @ w
    return np.mean(softplus(z) - y * z)


def clipped_and_cumsum(x):
    c = np.clip(x, -0.5, 0.5)
    return np.sum(np.cumsum(c) ** 2) + np.sum(np.where(x > 0, x, 0.1 * x) ** 2)


# =================================================================== control flow


def piecewise_float(x):
    if x < -1.0:
        y = -x ** 3
    elif x < 1.0:
        y = math.sin(x) + x * x
    else:
        y = math.exp(-x) * 4.0
    return y * x


def branch_on_array_sum(x):
    if np.sum(x) > 0:
        out = np.sum(x ** 2)
    else:
        out = np.sum(np.sin(x)) * 3.0
    return out


def conditional_expressions(x, t):
    scale = 2.0 if t > 0 else -0.5
    y = x * scale * t if x.sum() > 0 else x ** 3
    return np.sum(y) + (t * t if t < 1.5 else math.log(t))


def for_range_series(x, n=5):
    s = 0.0
    for k in range(1, n + 1):
        s = s + np.sum(x ** k) / k
    return s


def for_over_rows(X, w):
    total = 0.0
    for row in X:
        total = total + np.tanh(row @ w)
    return total


def for_over_list_of_floats(x, coeffs):
    out = 0.0
    for c in coeffs:
        out = out + c * np.sum(np.cos(c * x))
    return out


def for_over_tuple_constants(x):
    acc = np.zeros_like(x)
    for scale in (0.5, 1.0, 2.0):
        acc = acc + np.exp(-scale * x ** 2)
    return np.sum(acc)


def for_enumerate_weights(X):
    total = 0.0
    for i, row in enumerate(X):
        total += (i + 1) * np.sum(row ** 2)
    return total


def for_zip_pairs(xs, ys):
    loss = 0.0
    for a, b in zip(xs, ys):
        loss += (a - b) ** 2 * a
    return loss


def while_grow(x):
    steps = 0
    while x < 10.0:
        x = x * 1.5 + 0.1
        steps += 1
    return x * steps


def while_norm_condition(v):
    while np.linalg.norm(v) < 5.0:
        v = v * 1.3 + 0.1
    return np.sum(v ** 2)


def nested_loops_quadratic_form(A, x):
    n, m = A.shape
    s = 0.0
    for i in range(n):
        for j in range(m):
            s = s + A[i, j] * x[i] * x[j]
    return s


def loop_with_break(x, threshold):
    s = 0.0
    for i in range(len(x)):
        if x[i] > threshold:
            break
        s = s + x[i] ** 2
    return s + threshold


def loop_with_continue(x):
    s = 0.0
    for v in x:
        if v < 0:
            continue
        s = s + v ** 3
    return s


def for_else_search(x, threshold):
    for i in range(len(x)):
        if x[i] > threshold:
            found = x[i] * 2.0
            break
    else:
        found = np.sum(x) / len(x)
    return found ** 2


def while_else_countdown(x):
    i = 0
    total = 0.0
    while i < len(x):
        if x[i] < -1.0:
            total = total - x[i]
            break
        total = total + x[i] * x[i]
        i += 1
    else:
        total = total * 10.0
    return total


def early_return_in_loop(x, w):
    h = x
    for step in range(6):
        h = np.tanh(h * w + 0.5)
        if np.sum(h) > 2.5:
            return np.sum(h) * (step + 1)
    return np.sum(h ** 2)


def early_return_in_branch(x):
    if x[0] > 0:
        return np.sum(np.sqrt(x * x + 1.0))
    y = np.exp(x)
    if y.sum() > 3.0:
        return np.log(y.sum())
    return np.sum(y * x)


def and_or_conditions(x, y):
    if x > 0 and y > 0:
        z = x * y
    elif x < 0 or y < -1.0:
        z = x + y ** 2
    else:
        z = x - y
    return z * z


def newton_sqrt(a):
    x = a
    for _ in range(50):
        x_new = 0.5 * (x + a / x)
        if abs(x_new - x) < 1e-13:
            break
        x = x_new
    return x


def tuple_swap_recurrence(a, b):
    for _ in range(5):
        a, b = b, a * 0.5 + math.cos(b)
    return a * b


# =================================================================== required workloads


def rnn_loss(Wx, Wh, b, xs, target):
    h = np.zeros(Wh.shape[0])
    for x in xs:
        h = np.tanh(Wx @ x + Wh @ h + b)
    return np.sum((h - target) ** 2)


def rnn_sequence_outputs(Wx, Wh, Wy, xs):
    h = np.zeros(Wh.shape[0])
    outputs = []
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h)
        outputs.append(Wy @ h)
    Y = np.stack(outputs)
    return np.mean(Y ** 2)


def conv1d_loops(x, kernel):
    k = len(kernel)
    n = len(x) - k + 1
    out = np.zeros(n)
    for i in range(n):
        out[i] = np.sum(x[i:i + k] * kernel)
    return np.sum(out ** 2)


def conv1d_multichannel(x, W):
    # x: (length, in_channels); W: (width, in_channels, out_channels)
    width = W.shape[0]
    steps = x.shape[0] - width + 1
    rows = []
    for t in range(steps):
        window = x[t:t + width]
        rows.append(np.einsum("wi,wio->o", window, W))
    out = np.stack(rows)
    return np.sum(np.maximum(out, 0.0) ** 2)


def euler_scalar_decay(k, y0):
    y = y0
    dt = 0.05
    for _ in range(40):
        y = y + dt * (-k * y + math.sin(y))
    return y


def euler_vector_oscillator(params, y0):
    omega, damping = params[0], params[1]
    y = y0
    dt = 0.02
    for _ in range(50):
        pos, vel = y[0], y[1]
        dydt = np.array([vel, -omega ** 2 * pos - damping * vel])
        y = y + dt * dydt
    return y[0] ** 2 + 0.5 * y[1] ** 2


def euler_matrix_system(A, y0):
    y = y0.copy()
    dt = 0.01
    for _ in range(30):
        y = y + dt * (A @ y - y ** 3)
    return np.sum(y)


def nbody_potential(pos, masses):
    n = pos.shape[0]
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r = np.sqrt(np.sum(d * d))
            energy = energy - masses[i] * masses[j] / r
    return energy


def horner_scalar(coeffs, x):
    result = 0.0
    for c in coeffs:
        result = result * x + c
    return result


def horner_vectorized(coeffs, xs):
    result = np.zeros_like(xs)
    for i in range(len(coeffs)):
        result = result * xs + coeffs[i]
    return np.sum(result ** 2)


def mlp_list_params(params, X, y):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W_out, b_out = params[-1]
    pred = h @ W_out + b_out
    return np.mean((pred - y) ** 2)


def dict_params_loss(params, X, y):
    z = X @ params["w"] + params["b"]
    pred = params["scale"] * np.tanh(z)
    return np.mean((pred - y) ** 2) + 0.01 * np.sum(params["w"] ** 2)


def nested_container_params(model, x):
    h = x
    for layer in model["layers"]:
        h = np.tanh(layer[0] @ h + layer[1])
    head = model["head"]
    return np.sum(head["w"] * h) + head["bias"]


def dict_values_l2(params, x):
    fit = np.sum((params["a"] * x + params["c"]) ** 2)
    return fit + sum(np.sum(v ** 2) for v in params.values())


def inplace_elementwise_fill(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = x[i] ** 2 * (i + 1)
    return np.sum(y * x)


def inplace_slice_store(x, v):
    n = x.shape[0]
    y = np.zeros(n + 2)
    y[2:] = v * x
    y[0] = x[0] * v
    y[-1] = y[-1] + 1.0
    return np.sum(y ** 2)


def inplace_augmented_index(x, v):
    y = np.zeros(4)
    for i in range(len(x)):
        y[i % 4] += v * x[i]
    y[1] -= x[0]
    return np.sum(np.sin(y))


def copy_then_scale(x):
    y = x.copy()
    y[0] *= 2.0
    y[1:] += 0.5 * x[:-1]
    return np.sum(y ** 3)


def inplace_2d_rows(X):
    out = np.zeros_like(X)
    for i in range(X.shape[0]):
        out[i, :] = X[i] / np.sum(X[i] ** 2)
    out[:, 0] = 1.0
    return np.sum(out * X)


def boolean_mask_reads(x):
    pos = x[x > 0]
    neg = x[x <= 0]
    return np.sum(pos ** 2) + np.sum(neg ** 3) + np.mean(x[np.abs(x) > 0.5])


def repeated_integer_index(x):
    y = x[[0, 2, 2]]
    idx = np.array([1, 1, 3, 0])
    return np.sum(y ** 2 * np.array([1.0, 2.0, 3.0])) + np.sum(np.sin(x[idx]))


def ellipsis_and_step_slices(X):
    first = X[..., 0]
    rev = X[:, ::-1]
    every_other = X[::2, -1]
    tail = X[-2:, 1:-1]
    return np.sum(first * rev[:, 0]) + np.sum(every_other ** 2) + np.sum(tail) + X[-1, -2]


def list_append_then_stack(x):
    rows = []
    for i in range(3):
        rows.append(x * (i + 1) + np.sin(x))
    M = np.stack(rows)
    return np.sum(M @ x)


def rnn_cache_in_dict(W, x0):
    cache = {"A": [x0], "Z": []}
    for t in range(3):
        Z = cache["A"][-1] @ W
        cache["Z"].append(Z)
        cache["A"].append(np.tanh(Z))
    return np.sum(np.stack(cache["A"]) ** 2) + np.sum(cache["Z"][0] * cache["A"][-1])


def per_channel_history(x):
    history = [[], []]
    for t in range(3):
        history[0].append(np.sin(x * (t + 1)))
        history[1].append(x ** 2 * t)
    return np.sum(history[0][-1] * history[1][1]) + np.mean(history[0])


def log_likelihood_of_list(mu, xs):
    return -np.sum([(xs[i] - mu) ** 2 for i in range(len(xs))]) - np.mean([np.abs(mu) for _ in range(2)])


def _make_scale(a):
    def scale(v):
        return a * v
    return scale


def closure_called_after_its_factory(a):
    s = _make_scale(a)
    return s(3.0) + a


def list_literal_sum(a, b):
    parts = [np.sum(a ** 2), np.sum(a * b), 2.0 * np.sum(b)]
    return sum(parts)


def comprehension_features(x):
    feats = np.stack([x ** k for k in range(1, 4)], axis=1)
    terms = [np.sum(np.sin(x * k)) for k in range(1, 4) if k != 2]
    return np.sum(feats @ np.array([0.5, -1.0, 0.25])) + sum(terms)


def shrink_until_small(x):
    """Recursive helper with a data-dependent base case."""
    if np.sum(x * x) < 1.0:
        return x
    return shrink_until_small(0.6 * x + 0.1 * np.sin(x))


def recursive_shrink_loss(x):
    return np.sum(shrink_until_small(x) ** 2)


def poly_recursive(coeffs, x, i):
    if i == len(coeffs):
        return 0.0
    return coeffs[i] + x * poly_recursive(coeffs, x, i + 1)


def recursive_poly_loss(coeffs, x):
    return poly_recursive(coeffs, x, 0) ** 2


def smooth_l1(r, beta=1.0):
    a = np.abs(r)
    return np.where(a < beta, 0.5 * a ** 2 / beta, a - 0.5 * beta)


def weight_penalty(w, lam=0.1, power=2):
    return lam * np.sum(np.abs(w) ** power)


def helpers_with_defaults(w, X, y):
    r = X @ w - y
    data_term = np.sum(smooth_l1(r, beta=0.5)) + np.sum(smooth_l1(r))
    return data_term + weight_penalty(w) + weight_penalty(w, power=3, lam=0.2)


def mean_and_var(x):
    m = np.mean(x)
    v = np.mean((x - m) ** 2)
    return m, v


def helper_returning_tuple(x):
    m, v = mean_and_var(x)
    stats = mean_and_var(x ** 2)
    return (m - 1.0) ** 2 + v + stats[0] * stats[1]


def factory_scaled_softplus(scale):
    def scaled_softplus(x):
        return np.sum(np.log1p(np.exp(scale * x))) / scale
    return scaled_softplus


sharp_softplus = factory_scaled_softplus(3.0)


@srcdiff.checkpoint
def residual_block(h, W, b):
    return h + np.tanh(h @ W + b)


def deep_residual_checkpointed(W, b, x):
    h = x
    for _ in range(4):
        h = residual_block(h, W, b)
    return np.sum(h ** 2)


def residual_block_plain(h, W, b):
    return h + np.tanh(h @ W + b)


def deep_residual_plain(W, b, x):
    """deep_residual_checkpointed without the checkpoint (the call result is bound to a new name first)."""
    h = x
    for _ in range(4):
        out = residual_block_plain(h, W, b)
        h = out
    return np.sum(h ** 2)


def stop_gradient_centering(x):
    c = srcdiff.stop_gradient(np.mean(x))
    return np.sum((x - c) ** 2)


def unrolled_gradient_descent(w0, X, y, lr):
    w = w0
    n = X.shape[0]
    for _ in range(5):
        g = X.T @ (X @ w - y) / n
        w = w - lr * g
    return np.sum((X @ w - y) ** 2)


def max_pool_windows(x):
    pooled = []
    for i in range(0, len(x) - 1, 2):
        pooled.append(np.max(x[i:i + 2]))
    return np.sum(np.array(pooled) ** 2)


def sgd_step_with_global_lr(w, X, y):
    grad_w = X.T @ (X @ w - y)
    w_new = w - LEARNING_RATE * grad_w
    return np.sum((X @ w_new - y) ** 2)


def mixed_float_array(scale, shift, x):
    y = scale * x + shift
    return np.sum(y ** 2) / (1.0 + scale ** 2) + math.cos(shift)


def argument_written_in_place(x):
    x[0] = 0.0
    x *= 2.0
    return np.sum(x ** 2)


# =================================================================== more user patterns


def linear_scores_mean(W, b, X):
    return np.mean(X @ W + b)


def affine_total(scale, shift, X):
    return np.sum(scale * X + shift)


def relu_by_mask_assignment(x, w):
    h = x * w
    h[h < 0] = 0.0
    return np.sum(h ** 2)


def leaky_relu_by_mask_scaling(x):
    y = x.copy()
    y[y < 0] *= 0.1
    return np.sum(y ** 3)


def scatter_add_by_labels(weights, labels):
    totals = np.zeros(3)
    totals[labels] += weights
    return np.sum(totals ** 2)


def cumulative_product_in_place(x):
    y = np.ones(len(x))
    y[0] = x[0]
    for i in range(1, len(x)):
        y[i] = y[i - 1] * x[i]
    return np.sum(y)


def overlapping_slice_writes(x):
    y = np.zeros(5)
    y[1:3] = x[:2]
    y[2:4] = y[1:3] * 2.0 + x[2:]
    y[::-1] = y * np.arange(1.0, 6.0)
    return np.sum(y ** 2)


def accumulate_from_int_zero(X, c):
    acc = 0
    for row in X:
        acc = acc + row * c
    return np.sum(acc ** 2)


def builtin_sum_of_arrays(X):
    parts = [row ** 2 for row in X]
    total = sum(parts)
    return np.sum(total * np.array([1.0, -1.0, 2.0]))


def alias_of_created_array(x):
    buf = np.zeros(3)
    view = buf
    buf[0] = x[0] * 2.0
    buf[1:] = x[1:] ** 2
    return np.sum(view * x)


def augmented_assign_on_alias(x):
    acc = np.zeros(3)
    history = [acc]
    acc += x * 2.0
    return np.sum(history[0] * x)


def write_through_row_view(x):
    out = np.zeros((2, 3))
    first = out[0]
    first[:] = x
    out[1] = x ** 2
    return np.sum(out ** 2)


def negative_and_2d_fancy_index(X):
    rows = np.array([0, 2, 2, -1])
    cols = np.array([1, 0, 0, 2])
    picked = X[rows, cols]
    return np.sum(picked ** 2) + np.sum(X[[-1, 0]] * 3.0) + np.sum(X[:, None, 0] ** 2)


def sum_of_fancy_picks(x):
    return np.sum(x[[0, 2, 2]]) + np.sum(x[x > 0.2]) + np.sum(x[1:3])


def float_conversions(x):
    a = float(x[0])
    b = x[1].item()
    return math.exp(a) * b + math.sin(x[2]) + abs(x[3]) ** 1.5


def shape_dependent_normalization(X):
    n = X.shape[0]
    d = len(X[0])
    return np.sum(X ** 2) / (n * d) + X.T @ X[:, 0] @ np.ones(d)


def dict_built_inside(x):
    feats = {"lin": x * 2.0, "quad": x ** 2}
    feats["cube"] = feats["quad"] * x
    total = 0.0
    for key in ("lin", "quad", "cube"):
        total = total + np.sum(feats[key])
    return total


def iterate_dict_keys(params, x):
    total = 0.0
    for name in params:
        total = total + np.sum(params[name] * x)
    return total


def list_params_indexing(params, x):
    first = params[0]
    rest = params[1:]
    out = first * x
    for p in rest:
        out = out * p
    return np.sum(out) + np.sum(params[-1] ** 2)


def tuple_param(pair, x):
    scale, offset = pair
    return np.sum((scale * x + offset) ** 2)


def mask_inner(a, b, *, clip=1.0):
    d = a - b
    return np.minimum(np.abs(d), clip)


def keyword_only_helper_loss(a, b):
    return np.sum(mask_inner(a, b, clip=0.8) ** 2) + np.sum(mask_inner(b, a))


def inner_loop_helper(h, W, steps):
    for _ in range(steps):
        h = np.tanh(W @ h)
    return h


def helper_with_loop_in_loop(W, x):
    total = 0.0
    for k in range(1, 4):
        h = inner_loop_helper(x * k, W, k)
        total = total + np.sum(h)
    return total


@srcdiff.checkpoint
def gated_step(h, W):
    z = W @ h
    if np.sum(z) > 0:
        return np.tanh(z)
    return 0.5 * z


def checkpoint_with_branch(W, x):
    h = x
    for _ in range(3):
        h = gated_step(h, W)
    return np.sum(h ** 2)


def early_return_nested_loops(X, tol):
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            if X[i, j] > tol:
                return X[i, j] ** 2 * (i + j + 1)
    return np.sum(X)


def inner_break_only(X):
    total = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            if X[i, j] < 0:
                break
            total = total + X[i, j] ** 2
        total = total * 1.5
    return total


def while_with_inner_for(x):
    rounds = 0
    while np.max(np.abs(x)) > 0.5:
        for i in range(len(x)):
            x = x * 0.9 - 0.05 * np.sin(x)
        rounds += 1
    return np.sum(x ** 2) * rounds


def while_with_continue(x):
    i = 0
    total = 0.0
    while i < len(x):
        i += 1
        if x[i - 1] < 0:
            continue
        total = total + np.sqrt(x[i - 1])
    return total


def loop_variable_after_loop(x):
    for i in range(len(x)):
        x = x * 1.1
    return np.sum(x) * i + x[i] ** 2


def defined_in_one_branch(x, use_extra):
    base = np.sum(x ** 2)
    if use_extra > 0:
        extra = np.sum(np.sin(x))
    else:
        extra = 0.0
    return base + extra * use_extra


def scalar_or_array_branch(x, flag):
    if flag > 0:
        s = 0.0
    else:
        s = np.zeros(len(x))
    s = s + x * 2.0
    return np.sum(s ** 2)


def zero_iteration_loop(x):
    h = x
    for _ in range(len(x) - len(x)):
        h = np.tanh(h)
    return np.sum(h ** 2)


def python_remainder_and_floor(x):
    frac = x % 1.0
    return np.sum(frac ** 2) + np.sum(np.floor(x) * x)


def default_array_argument(x, w=BASIS[0]):
    return np.sum((x * w) ** 2)


def helper_returns_pair_indexed(x):
    stats = mean_and_var(np.exp(x))
    return stats[1] / stats[0]


def matrix_power_loop(A, v):
    P = np.eye(A.shape[0])
    for _ in range(3):
        P = P @ A
    return v @ P @ v


def stack_axis_and_concatenate(x, y):
    M = np.stack([x, y, x * y], axis=1)
    c = np.concatenate([x, y ** 2])
    return np.sum(M ** 2) + np.sum(c * np.arange(len(c)))


def masked_mean_with_where(x, y):
    mask = y > 0
    diff = np.where(mask, x - y, 0.0)
    return np.sum(diff ** 2) / np.sum(mask)


def discounted_return(rewards, gamma):
    total = 0.0
    discount = 1.0
    for r in rewards:
        total = total + discount * r
        discount = discount * gamma
    return total


def annotated_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray, scale: float = 1.0) -> float:
    """Mean squared error with type annotations and a docstring."""
    # residuals of the linear model
    residual: np.ndarray = X @ w - y
    return scale * float(np.mean(residual ** 2))


def loss_by_kind(w, X, y, kind):
    r = X @ w - y
    if kind == "l1":
        return np.sum(np.abs(r))
    elif kind == "huber":
        return np.sum(huber(r))
    return np.sum(r ** 2)


def weighted_loss_optional(w, X, y, weights=None):
    if weights is None:
        weights = np.ones(X.shape[0])
    r = X @ w - y
    return np.sum(weights * r ** 2) / np.sum(weights)


def reversed_loop_backsubstitution(U, b):
    n = b.shape[0]
    x = np.zeros(n)
    for i in reversed(range(n)):
        x[i] = (b[i] - U[i, i + 1:] @ x[i + 1:]) / U[i, i]
    return np.sum(x ** 2)


def moving_average_clamped(x, width):
    n = len(x)
    out = []
    for i in range(n):
        lo = max(0, i - width)
        hi = min(n, i + width + 1)
        out.append(np.mean(x[lo:hi]))
    return np.sum(np.stack(out) ** 2)


def hinge_loss_python_max(w, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        margin = y * (w[0] * x + w[1])
        total = total + max(0.0, 1.0 - margin)
    return total


def chained_method_calls(x):
    return x.reshape(2, 3).sum(axis=1).max() + np.linalg.norm(x.reshape(3, 2), axis=1).sum() + x.clip(-0.5, 0.5).sum()


def powers_and_roots(x, p):
    p_norm = np.sum(np.abs(x) ** p) ** (1.0 / p)
    return p_norm + np.sum(x ** 0.5) + np.sum(pow(x, 2)) + 2.0 ** p


def chained_comparison_and_not(x):
    total = 0.0
    for v in x:
        if 0.0 < v < 1.0:
            total = total + v ** 2
        elif not v > -1.0:
            total = total - v
    return total


def nested_helper_calls(x):
    return np.sum(huber(smooth_l1(x, beta=0.3) - softplus(x), delta=0.2))


def transpose_rows_loop(X, w):
    out = 0.0
    for col in X.T:
        out = out + np.sin(col @ w[:X.shape[0]])
    return out


def half_split(x):
    n = x.shape[0]
    first, second = x[: n // 2], x[n // 2:]
    return np.sum(first * second[::-1]) + first.mean() ** 2


def feature_column_rescale(X, w):
    Y = X.copy()
    Y[:, 1] *= w
    Y[0] += Y[2]
    return np.sum(Y ** 2)


def make_activation_loss(activation):
    """A factory whose closures differ only in the function they call."""
    def activation_loss(W, x):
        return np.sum(activation(W @ x) ** 2)
    return activation_loss


def covariance_trace(X):
    mu = X.mean(axis=0)
    C = (X - mu).T @ (X - mu) / X.shape[0]
    return np.trace(C @ C)


def gram_of_hidden(W, X):
    G = np.tanh(X @ W).T @ X
    return np.sum(G ** 2)


def fibonacci_like_recurrence(a, b, decay):
    for _ in range(4):
        a, b = b * decay, a + b
    return a * b


def window_energy(x, center, half):
    lo = center - half
    hi = center + half + 1
    return np.sum(x[lo:hi] ** 2) - np.mean(x) ** 2


def local_energies(x):
    total = 0.0
    for c in range(1, len(x) - 1):
        total = total + window_energy(x, c, 1)
    return total


def argmax_pick(x):
    i = np.argmax(x)
    return x[i] ** 2 + np.sum(x)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_cell(h, c, x, W, U, b):
    z = W @ x + U @ h + b
    n = h.shape[0]
    i = sigmoid(z[:n])
    f = sigmoid(z[n:2 * n])
    o = sigmoid(z[2 * n:3 * n])
    g = np.tanh(z[3 * n:])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    return h_new, c_new


def lstm_loss(W, U, b, xs):
    n = U.shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    for x in xs:
        h, c = lstm_cell(h, c, x, W, U, b)
    return np.sum(h ** 2) + np.sum(c)


def dense_layer(h, W, b):
    return np.tanh(h @ W + b)


def stacked_dense(W, b, x):
    h = x
    for _ in range(3):
        h = dense_layer(h, W, b)
    return np.sum(h ** 2)


def exp_decay_in_place(x, rate):
    y = x.copy()
    for _ in range(4):
        y *= rate
        y += 0.1 * np.sin(y)
    return np.sum(y)


# =================================================================== the table


@dataclass(frozen=True)
class Bug:
    """A srcdiff bug a case shows: the tests named in ``affects`` are strict xfails raising ``raises``.

    Test kinds: "grad" (check_grad), "structure" (containers and leaf types of the gradient),
    "value" (value_and_grad's value), "vjp" (the split forward/backward pair against finite
    differences).
    """

    reason: str
    raises: tuple = (Exception,)
    affects: frozenset = frozenset({"grad", "structure", "value", "vjp"})


GRADIENT_ONLY = frozenset({"grad", "vjp"})


def only(bug, *kinds):
    """``bug`` as it shows in one case: only the tests in ``kinds`` fail."""
    return replace(bug, affects=frozenset(kinds))


@dataclass
class Case:
    name: str
    fun: object
    make: object  # zero-argument callable building the argument tuple (fixed seed)
    wrt: object = 0
    bugs: tuple = ()  # known srcdiff bugs this case shows
    refuses: type = None  # srcdiff refuses this function on purpose, raising this error

    def bug_for(self, kind):
        found = [b for b in self.bugs if kind in b.affects]
        return found[0] if found else None


# ------------------------------------------------------------ known srcdiff bugs
# (none open: every bug this corpus found has been fixed; record new ones here as Bug(...) and
# pass them to the failing cases as ``bugs=(...)``)


def rng(seed):
    return np.random.default_rng(seed)


def away_from(x, points, gap=0.05):
    """Entries of ``x`` closer than ``gap`` to any of ``points`` moved away (kinks, branch edges)."""
    x = np.array(x, dtype=float)
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + np.where(x[near] >= p, 2 * gap, -2 * gap)
    return x


def _logreg():
    r = rng(1)
    X = r.standard_normal((8, 3))
    return r.standard_normal(3), 0.3, X, (r.uniform(size=8) > 0.5).astype(float)


def _mlp_mse():
    r = rng(2)
    return (0.5 * r.standard_normal((3, 5)), 0.1 * r.standard_normal(5), 0.5 * r.standard_normal((5, 2)),
            0.1 * r.standard_normal(2), r.standard_normal((6, 3)), r.standard_normal((6, 2)))


def _mlp_xent():
    r = rng(3)
    return (0.5 * r.standard_normal((4, 6)), 0.1 * r.standard_normal(6), 0.5 * r.standard_normal((6, 3)),
            0.1 * r.standard_normal(3), r.standard_normal((5, 4)), np.array([0, 2, 1, 2, 0]))


def _params_list():
    r = rng(4)
    params = [(0.5 * r.standard_normal((3, 4)), 0.1 * r.standard_normal(4)),
              (0.5 * r.standard_normal((4, 4)), 0.1 * r.standard_normal(4)),
              (0.5 * r.standard_normal((4, 1)), 0.2)]
    return params, r.standard_normal((5, 3)), r.standard_normal((5, 1))


def _params_dict():
    r = rng(5)
    params = {"w": r.standard_normal(3), "b": 0.2, "scale": 1.5}
    return params, r.standard_normal((6, 3)), r.standard_normal(6)


def _nested_model():
    r = rng(6)
    model = {"layers": [[0.5 * r.standard_normal((4, 3)), 0.1 * r.standard_normal(4)],
                        (0.5 * r.standard_normal((4, 4)), 0.1 * r.standard_normal(4))],
             "head": {"w": r.standard_normal(4), "bias": 0.5}}
    return model, r.standard_normal(3)


def _residual_inputs():
    return 0.4 * rng(90).standard_normal((3, 3)), 0.1 * rng(91).standard_normal(3), rng(92).standard_normal(3)


CASES = [
    # --- straight-line
    Case("logistic_regression", logistic_regression_loss, _logreg, (0, 1)),
    Case("mlp_tanh_mse", mlp_tanh_mse, _mlp_mse, (0, 1, 2, 3)),
    Case("mlp_relu_softmax_xent", mlp_relu_softmax_xent, _mlp_xent, (0, 1, 2, 3)),
    Case("softmax_cross_entropy", softmax_cross_entropy,
         lambda: (rng(7).standard_normal((4, 5)), np.array([4, 0, 0, 2]))),
    Case("rosenbrock", rosenbrock, lambda: (rng(8).uniform(-1.5, 1.5, 5),)),
    Case("softmax_probability_of_one_class", softmax_probability_of_one_class, lambda: (rng(8).normal(size=4),)),
    Case("log_sum_exp", log_sum_exp, lambda: (rng(9).standard_normal(6),)),
    Case("gaussian_nll", gaussian_nll, lambda: (0.3, -0.2, rng(10).standard_normal(7)), (0, 1)),
    Case("diagonal_gaussian_nll", diagonal_gaussian_nll,
         lambda: (rng(11).standard_normal(3), 0.3 * rng(12).standard_normal(3), rng(13).standard_normal((5, 3))),
         ("mu", "log_var")),
    Case("math_on_floats", math_on_floats, lambda: (0.7, -0.4), (0, 1)),
    Case("reductions_with_keywords", reductions_with_keywords, lambda: (rng(14).standard_normal((4, 3)),)),
    Case("array_methods", array_methods, lambda: (rng(15).standard_normal(6), rng(16).standard_normal(3)), (0, 1)),
    Case("uses_module_globals", uses_module_globals,
         lambda: (rng(17).standard_normal(3), rng(18).standard_normal((5, 2)))),
    Case("closure_small_reg", closure_loss_small_reg,
         lambda: (away_from(rng(19).standard_normal(3), [0.0]), rng(20).standard_normal((4, 3)))),
    Case("closure_big_reg", closure_loss_big_reg,
         lambda: (away_from(rng(21).standard_normal(3), [0.0]), rng(22).standard_normal((4, 3)))),
    Case("self_attention", self_attention,
         lambda: tuple(0.7 * rng(23 + i).standard_normal((4, 3)) for i in range(3)), (0, 1, 2)),
    Case("batch_norm", batch_norm_loss,
         lambda: (1.0 + 0.1 * rng(26).standard_normal(3), 0.1 * rng(27).standard_normal(3),
                  rng(28).standard_normal((5, 3))), (0, 1, 2)),
    Case("rbf_kernel", rbf_kernel_quadratic,
         lambda: (0.2, rng(29).standard_normal((4, 2)), rng(30).standard_normal(4)),
         ("log_ls", "X", "alpha")),
    Case("gaussian_log_det", gaussian_log_det,
         lambda: (0.5 * rng(31).standard_normal((3, 3)), rng(32).standard_normal(3)), (0, 1)),
    Case("ridge_with_norm", ridge_with_norm,
         lambda: (rng(33).standard_normal(3), rng(34).standard_normal((5, 3)), rng(35).standard_normal(5), 0.3),
         (0, 3)),
    Case("imported_helper_huber", robust_regression,
         lambda: (rng(36).standard_normal(3), rng(37).standard_normal((6, 3)), rng(38).standard_normal(6))),
    Case("imported_helper_softplus", softplus_logistic,
         lambda: (rng(39).standard_normal(3), rng(40).standard_normal((6, 3)),
                  (rng(41).uniform(size=6) > 0.5).astype(float))),
    Case("clip_cumsum_where", clipped_and_cumsum, lambda: (away_from(rng(42).uniform(-1, 1, 6), [-0.5, 0.0, 0.5]),)),
    # --- control flow
    Case("piecewise_float_low", piecewise_float, lambda: (-1.7,)),
    Case("piecewise_float_mid", piecewise_float, lambda: (0.4,)),
    Case("piecewise_float_high", piecewise_float, lambda: (2.2,)),
    Case("branch_on_array_sum_pos", branch_on_array_sum, lambda: (np.array([0.5, 1.0, -0.2]),)),
    Case("branch_on_array_sum_neg", branch_on_array_sum, lambda: (np.array([-0.5, -1.0, 0.2]),)),
    Case("conditional_expr_pos", conditional_expressions, lambda: (np.array([0.5, 1.0, 0.2]), 0.8), (0, 1)),
    Case("conditional_expr_neg", conditional_expressions, lambda: (np.array([-0.5, -1.0, 0.2]), -0.6), (0, 1)),
    Case("conditional_expr_big_t", conditional_expressions, lambda: (np.array([0.5, 1.0, 0.2]), 2.5), (0, 1)),
    Case("for_range_series", for_range_series, lambda: (rng(43).uniform(-0.9, 0.9, 4),)),
    Case("for_over_rows", for_over_rows, lambda: (rng(44).standard_normal((4, 3)), rng(45).standard_normal(3)),
         (0, 1)),
    Case("for_over_list_of_floats", for_over_list_of_floats,
         lambda: (rng(46).standard_normal(3), [0.5, -1.2, 2.0]), (0, 1)),
    Case("for_over_tuple_constants", for_over_tuple_constants, lambda: (rng(47).standard_normal(4),)),
    Case("for_enumerate", for_enumerate_weights, lambda: (rng(48).standard_normal((3, 2)),)),
    Case("for_zip", for_zip_pairs, lambda: (rng(49).standard_normal(4), rng(50).standard_normal(4)), (0, 1)),
    Case("while_grow", while_grow, lambda: (1.3,)),
    Case("while_norm_condition", while_norm_condition, lambda: (np.array([0.3, -0.2, 0.5]),)),
    Case("nested_loops", nested_loops_quadratic_form,
         lambda: (rng(51).standard_normal((3, 3)), rng(52).standard_normal(3)), (0, 1)),
    Case("loop_break_early", loop_with_break, lambda: (np.array([0.1, -0.4, 0.9, 0.2, 1.5]), 0.5), (0, 1)),
    Case("loop_break_never", loop_with_break, lambda: (np.array([0.1, -0.4, 0.3]), 0.5), (0, 1)),
    Case("loop_continue", loop_with_continue, lambda: (np.array([0.5, -0.3, 1.2, -2.0, 0.7]),)),
    Case("for_else_found", for_else_search, lambda: (np.array([0.1, 0.9, 0.3]), 0.5), (0, 1)),
    Case("for_else_not_found", for_else_search, lambda: (np.array([0.1, 0.2, 0.3]), 0.5), (0, 1)),
    Case("while_else_break", while_else_countdown, lambda: (np.array([0.5, 0.3, -1.5, 0.2]),)),
    Case("while_else_exhausted", while_else_countdown, lambda: (np.array([0.5, 0.3, -0.5]),)),
    Case("early_return_in_loop_taken", early_return_in_loop, lambda: (np.array([0.8, 1.0, 0.9]), 1.2), (0, 1)),
    Case("early_return_in_loop_not_taken", early_return_in_loop, lambda: (np.array([-0.8, 0.1, -0.9]), 0.7), (0, 1)),
    Case("early_return_in_branch_first", early_return_in_branch, lambda: (np.array([0.5, -1.0, 0.3]),)),
    Case("early_return_in_branch_second", early_return_in_branch, lambda: (np.array([-0.5, 1.0, 0.8]),)),
    Case("early_return_in_branch_fallthrough", early_return_in_branch, lambda: (np.array([-0.5, -1.0, 0.3]),)),
    Case("and_or_both_pos", and_or_conditions, lambda: (0.7, 1.3), (0, 1)),
    Case("and_or_second", and_or_conditions, lambda: (-0.4, 0.6), (0, 1)),
    Case("and_or_else", and_or_conditions, lambda: (0.4, -0.6), (0, 1)),
    Case("newton_sqrt", newton_sqrt, lambda: (2.7,)),
    Case("tuple_swap_recurrence", tuple_swap_recurrence, lambda: (0.3, 0.8), (0, 1)),
    # --- required workloads
    Case("rnn_loss", rnn_loss,
         lambda: (0.5 * rng(53).standard_normal((6, 3)), 0.4 * rng(54).standard_normal((6, 6)),
                  0.1 * rng(55).standard_normal(6), rng(56).standard_normal((5, 3)), rng(57).standard_normal(6)),
         (0, 1, 2, 3)),
    Case("rnn_sequence_outputs", rnn_sequence_outputs,
         lambda: (0.5 * rng(58).standard_normal((4, 2)), 0.4 * rng(59).standard_normal((4, 4)),
                  0.5 * rng(60).standard_normal((2, 4)), rng(61).standard_normal((5, 2))), (0, 1, 2, 3)),
    Case("conv1d_loops", conv1d_loops, lambda: (rng(62).standard_normal(8), rng(63).standard_normal(3)), (0, 1)),
    Case("conv1d_multichannel", conv1d_multichannel,
         lambda: (rng(64).standard_normal((6, 2)), 0.5 * rng(65).standard_normal((3, 2, 3))), (0, 1)),
    Case("euler_scalar", euler_scalar_decay, lambda: (0.8, 1.5), (0, 1)),
    Case("euler_vector_oscillator", euler_vector_oscillator,
         lambda: (np.array([2.0, 0.3]), np.array([1.0, 0.0])), (0, 1)),
    Case("euler_matrix_system", euler_matrix_system,
         lambda: (0.5 * rng(66).standard_normal((3, 3)), rng(67).standard_normal(3)), (0, 1)),
    Case("nbody_potential", nbody_potential,
         lambda: (rng(68).standard_normal((4, 3)), rng(69).uniform(0.5, 2.0, 4)), (0, 1)),
    Case("horner_scalar", horner_scalar, lambda: (np.array([1.0, -2.0, 0.5, 3.0]), 0.7), (0, 1)),
    Case("horner_vectorized", horner_vectorized,
         lambda: (np.array([0.3, -1.0, 0.5, 2.0]), rng(70).uniform(-1, 1, 5)), (0, 1)),
    Case("params_list_of_tuples", mlp_list_params, _params_list),
    Case("params_dict", dict_params_loss, _params_dict),
    Case("params_nested_dict_list", nested_container_params, _nested_model, (0, 1)),
    Case("params_dict_values_generator", dict_values_l2,
         lambda: ({"a": rng(71).standard_normal(3), "c": 0.4}, rng(72).standard_normal(3))),
    Case("inplace_elementwise_fill", inplace_elementwise_fill, lambda: (rng(73).standard_normal(5),)),
    Case("inplace_slice_store", inplace_slice_store, lambda: (rng(74).standard_normal(4), 1.7), (0, 1)),
    Case("inplace_augmented_index", inplace_augmented_index, lambda: (rng(75).standard_normal(6), 0.9), (0, 1)),
    Case("copy_then_scale", copy_then_scale, lambda: (rng(76).standard_normal(4),)),
    Case("inplace_2d_rows", inplace_2d_rows, lambda: (rng(77).standard_normal((3, 4)),)),
    Case("boolean_mask_reads", boolean_mask_reads,
         lambda: (away_from(rng(78).standard_normal(7), [0.0, 0.5, -0.5]),)),
    Case("repeated_integer_index", repeated_integer_index, lambda: (rng(79).standard_normal(4),)),
    Case("ellipsis_and_step_slices", ellipsis_and_step_slices, lambda: (rng(80).standard_normal((4, 3)),)),
    Case("list_append_then_stack", list_append_then_stack, lambda: (rng(81).standard_normal(3),)),
    Case("list_literal_sum", list_literal_sum, lambda: (rng(82).standard_normal(3), rng(83).standard_normal(3)),
         (0, 1)),
    Case("comprehension_features", comprehension_features, lambda: (rng(84).standard_normal(4),)),
    Case("recursive_shrink", recursive_shrink_loss, lambda: (np.array([2.0, -1.5, 0.7]),)),
    Case("recursive_poly", recursive_poly_loss, lambda: (np.array([1.0, -0.5, 0.25, 2.0]), 0.6), (0, 1)),
    Case("helpers_with_defaults", helpers_with_defaults,
         lambda: (away_from(rng(85).standard_normal(3), [0.0]), rng(86).standard_normal((6, 3)),
                  rng(87).standard_normal(6))),
    Case("helper_returning_tuple", helper_returning_tuple, lambda: (rng(88).standard_normal(5),)),
    Case("closure_from_factory", sharp_softplus, lambda: (rng(89).standard_normal(4),)),
    Case("checkpoint_in_loop", deep_residual_checkpointed,
         _residual_inputs,
         (0, 1, 2)),
    Case("deep_residual_plain", deep_residual_plain,
         _residual_inputs,
         (0, 1, 2)),
    Case("unrolled_gradient_descent", unrolled_gradient_descent,
         lambda: (rng(93).standard_normal(3), rng(94).standard_normal((6, 3)), rng(95).standard_normal(6), 0.1),
         (0, 3)),
    Case("max_pool_windows", max_pool_windows, lambda: (rng(96).standard_normal(6),)),
    Case("sgd_step_with_global_lr", sgd_step_with_global_lr,
         lambda: (rng(97).standard_normal(3), rng(98).standard_normal((5, 3)), rng(99).standard_normal(5))),
    Case("mixed_float_array", mixed_float_array, lambda: (1.3, -0.4, rng(100).standard_normal(4)), (0, 1, 2)),
    # --- more user patterns
    Case("linear_scores_mean", linear_scores_mean,
         lambda: (rng(101).standard_normal((3, 2)), rng(102).standard_normal(2), rng(103).standard_normal((5, 3))),
         (0, 1)),
    Case("affine_total", affine_total, lambda: (1.3, -0.2, rng(104).standard_normal((3, 4))), (0, 1, 2)),
    Case("relu_by_mask_assignment", relu_by_mask_assignment,
         lambda: (away_from(rng(105).standard_normal(6), [0.0]), 1.5), (0, 1)),
    Case("leaky_relu_by_mask_scaling", leaky_relu_by_mask_scaling,
         lambda: (away_from(rng(106).standard_normal(6), [0.0]),)),
    Case("scatter_add_by_labels", scatter_add_by_labels,
         lambda: (rng(107).standard_normal(5), np.array([0, 2, 0, 1, 2]))),
    Case("cumulative_product_in_place", cumulative_product_in_place, lambda: (rng(108).uniform(0.5, 1.5, 5),)),
    Case("overlapping_slice_writes", overlapping_slice_writes, lambda: (rng(109).standard_normal(3),)),
    Case("accumulate_from_int_zero", accumulate_from_int_zero,
         lambda: (rng(110).standard_normal((4, 3)), 0.7), (0, 1)),
    Case("builtin_sum_of_arrays", builtin_sum_of_arrays, lambda: (rng(111).standard_normal((4, 3)),)),
    # ``view = buf``, both bound once: the same array everywhere, read through ``buf`` (issue 17 item 8)
    Case("alias_of_created_array", alias_of_created_array, lambda: (rng(112).standard_normal(3),)),
    Case("augmented_assign_on_alias", augmented_assign_on_alias, lambda: (rng(113).standard_normal(3),),
         refuses=srcdiff.NonDifferentiableError),
    Case("write_through_row_view", write_through_row_view, lambda: (rng(114).standard_normal(3),),
         refuses=srcdiff.NonDifferentiableError),
    Case("negative_and_2d_fancy_index", negative_and_2d_fancy_index, lambda: (rng(115).standard_normal((3, 3)),)),
    Case("sum_of_fancy_picks", sum_of_fancy_picks,
         lambda: (away_from(rng(116).standard_normal(5), [0.2]),)),
    Case("float_conversions", float_conversions,
         lambda: (away_from(rng(117).standard_normal(4), [0.0]),)),
    Case("shape_dependent_normalization", shape_dependent_normalization, lambda: (rng(118).standard_normal((4, 3)),)),
    Case("dict_built_inside", dict_built_inside, lambda: (rng(119).standard_normal(3),)),
    Case("iterate_dict_keys", iterate_dict_keys,
         lambda: ({"u": rng(120).standard_normal(3), "v": 0.5}, rng(121).standard_normal(3)), (0, 1)),
    Case("list_params_indexing", list_params_indexing,
         lambda: ([rng(122).standard_normal(3), 0.8, rng(123).standard_normal(3)], rng(124).standard_normal(3)),
         (0, 1)),
    Case("tuple_param", tuple_param, lambda: ((1.2, rng(125).standard_normal(3)), rng(126).standard_normal(3))),
    Case("keyword_only_helper", keyword_only_helper_loss,
         lambda: (rng(127).standard_normal(4), away_from(rng(128).standard_normal(4), [0.0])), (0, 1)),
    Case("helper_with_loop_in_loop", helper_with_loop_in_loop,
         lambda: (0.5 * rng(129).standard_normal((3, 3)), rng(130).standard_normal(3)), (0, 1)),
    Case("checkpoint_with_branch", checkpoint_with_branch,
         lambda: (0.6 * rng(131).standard_normal((3, 3)), rng(132).standard_normal(3)), (0, 1)),
    Case("early_return_nested_loops_taken", early_return_nested_loops,
         lambda: (np.array([[0.1, -0.3], [0.9, 0.2]]), 0.5), (0, 1)),
    Case("early_return_nested_loops_not_taken", early_return_nested_loops,
         lambda: (np.array([[0.1, -0.3], [0.4, 0.2]]), 0.5), (0, 1)),
    Case("inner_break_only", inner_break_only, lambda: (np.array([[0.5, -0.2, 0.7], [0.3, 0.4, -0.1]]),)),
    Case("while_with_inner_for", while_with_inner_for, lambda: (np.array([1.5, -0.8, 0.3]),)),
    Case("while_with_continue", while_with_continue, lambda: (np.array([0.5, -0.3, 1.2, -2.0, 0.7]),)),
    Case("loop_variable_after_loop", loop_variable_after_loop, lambda: (rng(133).standard_normal(3),)),
    Case("defined_in_one_branch_taken", defined_in_one_branch, lambda: (rng(134).standard_normal(3), 0.7), (0, 1)),
    Case("defined_in_one_branch_skipped", defined_in_one_branch, lambda: (rng(135).standard_normal(3), -0.7), (0, 1)),
    Case("scalar_or_array_branch_scalar", scalar_or_array_branch, lambda: (rng(136).standard_normal(3), 1.0)),
    Case("scalar_or_array_branch_array", scalar_or_array_branch, lambda: (rng(137).standard_normal(3), -1.0)),
    Case("zero_iteration_loop", zero_iteration_loop, lambda: (rng(138).standard_normal(3),)),
    Case("python_remainder_and_floor", python_remainder_and_floor,
         lambda: (away_from(rng(139).uniform(-2, 2, 4), [-2.0, -1.0, 0.0, 1.0, 2.0]),)),
    Case("default_array_argument", default_array_argument, lambda: (rng(140).standard_normal(3),)),
    Case("helper_returns_pair_indexed", helper_returns_pair_indexed, lambda: (rng(141).standard_normal(4),)),
    Case("matrix_power_loop", matrix_power_loop,
         lambda: (0.7 * rng(142).standard_normal((3, 3)), rng(143).standard_normal(3)), (0, 1)),
    Case("stack_axis_and_concatenate", stack_axis_and_concatenate,
         lambda: (rng(144).standard_normal(3), rng(145).standard_normal(3)), (0, 1)),
    Case("masked_mean_with_where", masked_mean_with_where,
         lambda: (rng(146).standard_normal(5), away_from(rng(147).standard_normal(5), [0.0])), (0, 1)),
    Case("discounted_return", discounted_return, lambda: (rng(148).standard_normal(5), 0.9), (0, 1)),
    Case("annotated_loss", annotated_loss,
         lambda: (rng(149).standard_normal(3), rng(150).standard_normal((5, 3)), rng(151).standard_normal(5), 0.5),
         (0, 3)),
    Case("loss_by_kind_l1", loss_by_kind,
         lambda: (rng(152).standard_normal(3), rng(153).standard_normal((5, 3)), rng(154).standard_normal(5), "l1")),
    Case("loss_by_kind_huber", loss_by_kind,
         lambda: (rng(152).standard_normal(3), rng(153).standard_normal((5, 3)), rng(154).standard_normal(5),
                  "huber")),
    Case("loss_by_kind_default", loss_by_kind,
         lambda: (rng(152).standard_normal(3), rng(153).standard_normal((5, 3)), rng(154).standard_normal(5), "l2")),
    Case("weighted_loss_default_none", weighted_loss_optional,
         lambda: (rng(155).standard_normal(3), rng(156).standard_normal((5, 3)), rng(157).standard_normal(5))),
    Case("weighted_loss_given", weighted_loss_optional,
         lambda: (rng(155).standard_normal(3), rng(156).standard_normal((5, 3)), rng(157).standard_normal(5),
                  rng(158).uniform(0.5, 1.5, 5)), (0, 3)),
    Case("reversed_loop_backsubstitution", reversed_loop_backsubstitution,
         lambda: (np.triu(rng(159).standard_normal((4, 4))) + 3.0 * np.eye(4), rng(160).standard_normal(4)), (0, 1)),
    Case("moving_average_clamped", moving_average_clamped, lambda: (rng(161).standard_normal(6), 1)),
    Case("hinge_loss_python_max", hinge_loss_python_max,
         lambda: (np.array([0.8, -0.1]), [0.5, -1.2, 2.0, 0.1], [1.0, -1.0, 1.0, -1.0])),
    Case("chained_method_calls", chained_method_calls,
         lambda: (away_from(rng(162).standard_normal(6), [-0.5, 0.5]),)),
    Case("powers_and_roots", powers_and_roots, lambda: (rng(163).uniform(0.5, 2.0, 4), 3.0), (0, 1)),
    Case("chained_comparison_and_not", chained_comparison_and_not,
         lambda: (np.array([0.5, -1.5, 0.2, 2.0, -0.5]),)),
    Case("nested_helper_calls", nested_helper_calls,
         lambda: (np.array([0.05, -0.9, 1.7, 0.4]),)),
    Case("transpose_rows_loop", transpose_rows_loop,
         lambda: (rng(164).standard_normal((3, 4)), rng(165).standard_normal(5)), (0, 1)),
    Case("half_split", half_split, lambda: (rng(166).standard_normal(6),)),
    Case("feature_column_rescale", feature_column_rescale,
         lambda: (rng(168).standard_normal((3, 2)), 0.7), (0, 1)),
    Case("gaussian_nll_wrt_one_tuple", gaussian_nll, lambda: (0.3, -0.2, rng(10).standard_normal(7)), ("mu",)),
    Case("logistic_regression_wrt_one_tuple", logistic_regression_loss, _logreg, (0,)),
    Case("exp_decay_in_place", exp_decay_in_place, lambda: (rng(167).standard_normal(3), 0.8), (0, 1)),
    Case("covariance_trace", covariance_trace, lambda: (rng(169).standard_normal((5, 3)),)),
    Case("gram_of_hidden", gram_of_hidden,
         lambda: (0.5 * rng(170).standard_normal((3, 2)), rng(171).standard_normal((4, 3))), (0, 1)),
    Case("fibonacci_like_recurrence", fibonacci_like_recurrence, lambda: (0.3, 0.8, 0.9), (0, 1, 2)),
    Case("helper_with_computed_slice", local_energies, lambda: (rng(172).standard_normal(6),)),
    Case("argmax_pick", argmax_pick, lambda: (np.array([0.5, 1.2, -0.3]),)),
    Case("lstm_loss", lstm_loss,
         lambda: (0.5 * rng(173).standard_normal((12, 2)), 0.5 * rng(174).standard_normal((12, 3)),
                  0.1 * rng(175).standard_normal(12), rng(176).standard_normal((4, 2))), (0, 1, 2, 3)),
    Case("rnn_cache_in_dict", rnn_cache_in_dict,
         lambda: (0.6 * rng(180).standard_normal((3, 3)), rng(181).standard_normal(3)), (0, 1)),
    Case("per_channel_history", per_channel_history, lambda: (rng(182).standard_normal(4),)),
    Case("log_likelihood_of_list", log_likelihood_of_list, lambda: (0.7, rng(183).standard_normal(5))),
    Case("closure_called_after_its_factory", closure_called_after_its_factory, lambda: (2.0,),
         refuses=srcdiff.UnsupportedSyntaxError),
    Case("stacked_dense_helper", stacked_dense,
         lambda: (0.6 * rng(177).standard_normal((3, 3)), 0.1 * rng(178).standard_normal(3),
                  rng(179).standard_normal(3)),
         (0, 1, 2)),
]
