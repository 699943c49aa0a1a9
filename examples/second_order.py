"""Newton's method with the Hessian from srcdiff: watch the error square at every step.

The problem is an L2-regularised logistic regression (5 features and a bias). Newton's method
solves ``H step = -g`` at each iterate, with the gradient ``g`` from ``srcdiff.grad`` and the
Hessian ``H`` from ``srcdiff.hessian`` (forward mode over srcdiff's generated reverse-mode
gradient). Near the optimum the error roughly squares at each step -- quadratic convergence --
so the number of correct digits doubles: the last column, error / previous error squared,
stays roughly constant while the error itself collapses to rounding level.

Run:  python examples/second_order.py
      python examples/second_order.py --features 20 --show-source
"""
import argparse
import time

import numpy as np

import srcdiff


def loss(w, X, y, lam):
    """Mean logistic loss of labels y in {0, 1}, plus (lam / 2) |w|^2; X's last column is ones."""
    z = X @ w
    # -log p(y | z) = log(1 + exp(z)) - y z. (The overflow-proof form max(z, 0) + log1p(exp(-|z|))
    # would not do here: differentiated as written, its kinks at z = 0 hide the curvature there,
    # and Newton's method starts at w = 0, where every z is 0.)
    return np.mean(np.log1p(np.exp(z)) - y * z) + 0.5 * lam * np.sum(w * w)


def exact_hessian(w, X, y, lam):
    """The Hessian of ``loss`` worked out by hand: X^T diag(p (1 - p)) X / n + lam I."""
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ (X * (p * (1 - p))[:, None]) / len(y) + lam * np.eye(len(w))


def make_data(n, d, rng):
    X = np.column_stack([rng.standard_normal((n, d)), np.ones(n)])
    w_true = rng.standard_normal(d + 1)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w_true)))).astype(float)
    return X, y


def newton(w, X, y, lam, gradient, hessian, max_steps):
    """Newton iterates, from ``w`` until the step stops changing anything (or max_steps)."""
    iterates = [w]
    for _ in range(max_steps):
        step = np.linalg.solve(hessian(w, X, y, lam), -gradient(w, X, y, lam))
        w = w + step
        iterates.append(w)
        if np.linalg.norm(step) <= 1e-15 * max(1.0, np.linalg.norm(w)):
            break
    return iterates


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--features", type=int, default=5)
    parser.add_argument("--lam", type=float, default=0.01, help="L2 regularisation strength")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--show-source", action="store_true",
                        help="print the generated Hessian-vector product srcdiff.hessian is built on")
    parser.add_argument("--small", action="store_true", help="a quick run for tests: fewer samples")
    args = parser.parse_args(argv)
    if args.small:
        args.samples = min(args.samples, 200)

    rng = np.random.default_rng(args.seed)
    X, y = make_data(args.samples, args.features, rng)
    gradient = srcdiff.grad(loss)
    hessian = srcdiff.hessian(loss)

    w0 = np.zeros(X.shape[1])
    H = hessian(w0, X, y, args.lam)
    print("logistic regression, %d samples, %d weights; srcdiff's Hessian differs from the hand-derived "
          "one by %.1e\n" % (args.samples, X.shape[1], np.max(np.abs(H - exact_hessian(w0, X, y, args.lam)))))

    start = time.perf_counter()
    iterates = newton(w0, X, y, args.lam, gradient, hessian, args.max_steps)
    seconds = time.perf_counter() - start
    w_star = iterates[-1]
    errors = [float(np.linalg.norm(w - w_star)) for w in iterates]

    # w* is the last iterate, so the error of the last few iterates is rounding noise, not a ratio.
    rounding = 1e-13 * max(1.0, float(np.linalg.norm(w_star)))
    print("step          loss     |gradient|   |w - w*|   |w - w*| / previous^2")
    rows = []
    for k, (w, err) in enumerate(zip(iterates[:-1], errors)):
        ratio = err / errors[k - 1] ** 2 if k > 0 and err > rounding else None
        rows.append((k, float(loss(w, X, y, args.lam)), float(np.linalg.norm(gradient(w, X, y, args.lam))), err, ratio))
        print("%4d %15.12f %12.2e %10.2e %14s" % (rows[-1][:4] + ("" if ratio is None else "%.3f" % ratio,)))
    print("\n%d Newton steps in %.3f s to w* = %s" % (len(iterates) - 1, seconds,
                                                  np.array2string(w_star, precision=4, threshold=8)))
    if args.show_source:
        print("\nsrcdiff.hessian builds H column by column from this Hessian-vector product "
              "(forward mode over the generated gradient):\n")
        print(hessian.hvp.source_for(w0, X, y, args.lam))
    return {"errors": errors, "rows": rows, "w": w_star,
            "gradient_norm": float(np.linalg.norm(gradient(w_star, X, y, args.lam)))}


if __name__ == "__main__":
    main()
