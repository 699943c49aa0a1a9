"""MAML-style meta-learning: a few inner gradient steps per task, the meta-loss differentiated
through them (second-order MAML), with srcdiff.grad called inside the meta-objective."""
import numpy as np

from srcdiff import grad
from tests.programs.harness import Case


def predict(params, x):
    W1, b1, w2 = params
    h = np.tanh(np.outer(x, W1) + b1)
    return h @ w2


def task_loss(params, x, y):
    r = predict(params, x) - y
    return np.mean(r * r)


def adapt(params, x, y, inner_lr, n_inner):
    """Inner loop: gradient steps on one task's support set."""
    W1, b1, w2 = params
    for _ in range(n_inner):
        dW1, db1, dw2 = grad(task_loss)((W1, b1, w2), x, y)
        W1 = W1 - inner_lr * dW1
        b1 = b1 - inner_lr * db1
        w2 = w2 - inner_lr * dw2
    return W1, b1, w2


def meta_loss(W1, b1, w2, xs, ys, xq, yq):
    """Average query loss after adapting to each task."""
    total = 0.0
    for t in range(len(xs)):
        adapted = adapt((W1, b1, w2), xs[t], ys[t], 0.1, 2)
        total = total + task_loss(adapted, xq[t], yq[t])
    return total / len(xs)


def _args():
    rng = np.random.default_rng(11)
    hidden, n_tasks = 5, 2
    amps, phases = rng.uniform(0.5, 2.0, n_tasks), rng.uniform(0.0, np.pi, n_tasks)
    xs = [rng.uniform(-3, 3, 6) for _ in range(n_tasks)]
    xq = [rng.uniform(-3, 3, 6) for _ in range(n_tasks)]
    ys = [a * np.sin(x + p) for a, p, x in zip(amps, phases, xs)]
    yq = [a * np.sin(x + p) for a, p, x in zip(amps, phases, xq)]
    return (0.5 * rng.standard_normal(hidden), 0.1 * rng.standard_normal(hidden),
            0.5 * rng.standard_normal(hidden), xs, ys, xq, yq)


CASES = [
    Case("maml_second_order", meta_loss, _args, wrt=(0, 1, 2),
         notes="grad of a tuple-of-arrays loss inside an inner loop, differentiated through the steps"),
]
