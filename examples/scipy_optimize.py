"""scipy.optimize.minimize with gradients from srcdiff, against finite differences.

``scipy.optimize.minimize(f, x0, jac=srcdiff.grad(f))`` hands SciPy an exact gradient; without
``jac`` SciPy estimates it with one extra evaluation of ``f`` per coordinate. Two problems:

- the Rosenbrock function in 30 dimensions (also solved with SciPy's hand-written ``rosen_der``),
- the maximum-likelihood fit of a Poisson regression (a log-linear model of counts) with 40
  coefficients on 5000 observations.

For each the script prints the number of evaluations of ``f`` and of the gradient, the
iterations, the time, and how close the answer is.

Run:  python examples/scipy_optimize.py
      python examples/scipy_optimize.py --method L-BFGS-B --dim 50
"""
import argparse
import time

import numpy as np

import srcdiff

try:
    from scipy.optimize import minimize, rosen_der
except ImportError:  # the script says so in main()
    minimize = rosen_der = None


def rosenbrock(x):
    """The Rosenbrock function in len(x) dimensions; its minimum is 0 at x = (1, ..., 1)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def poisson_nll(beta, X, counts):
    """Negative log-likelihood per observation of counts ~ Poisson(exp(X @ beta)), up to a constant."""
    eta = X @ beta
    return np.mean(np.exp(eta) - counts * eta)


def poisson_data(n, d, rng):
    X = np.column_stack([np.ones(n), rng.standard_normal((n, d - 1)) / np.sqrt(d)])
    beta = rng.uniform(-1.0, 1.0, d)
    return X, rng.poisson(np.exp(X @ beta)).astype(float), beta


def solve(fun, x0, args, jac, method, tol):
    start = time.perf_counter()
    result = minimize(fun, x0, args=args, jac=jac, method=method, tol=tol)
    return result, time.perf_counter() - start


def report(name, rows, solution, ftrue):
    print(name)
    print("  %-24s %7s %7s %6s %9s %13s %10s" % ("gradient", "f evals", "g evals", "iters", "time", "f - f*",
                                                   "|x - x*|"))
    for label, result, seconds in rows:
        print("  %-24s %7d %7d %6d %7.3f s %13.2e %10.2e" % (
            label, result.nfev, getattr(result, "njev", 0) or 0, result.nit, seconds, result.fun - ftrue,
            np.linalg.norm(result.x - solution)))
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dim", type=int, default=30, help="dimension of the Rosenbrock problem")
    parser.add_argument("--samples", type=int, default=5000, help="observations of the Poisson regression")
    parser.add_argument("--features", type=int, default=40, help="coefficients of the Poisson regression")
    parser.add_argument("--method", default="BFGS", help="a scipy.optimize.minimize method using gradients")
    parser.add_argument("--tol", type=float, default=1e-10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="a quick run for tests: smaller problems")
    args = parser.parse_args(argv)
    if args.small:
        args.dim, args.samples, args.features = min(args.dim, 10), min(args.samples, 500), min(args.features, 10)
    if minimize is None:
        raise SystemExit("this example needs SciPy: pip install scipy")
    out = {}

    # srcdiff generates a gradient's code on its first call (then caches it): do that first, so
    # that the times below measure the optimisation only.
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    rosen_grad = srcdiff.grad(rosenbrock)
    rosen_grad(np.zeros(args.dim))
    X, counts, beta_true = poisson_data(args.samples, args.features, rng)
    poisson_grad = srcdiff.grad(poisson_nll)
    poisson_grad(np.zeros(args.features), X, counts)
    print("srcdiff generated both gradients in %.2f s\n" % (time.perf_counter() - start))

    # Rosenbrock from the origin.
    x0 = np.zeros(args.dim)
    rows = [("srcdiff.grad", *solve(rosenbrock, x0, (), rosen_grad, args.method, args.tol)),
            ("scipy.optimize.rosen_der", *solve(rosenbrock, x0, (), rosen_der, args.method, args.tol)),
            ("finite differences", *solve(rosenbrock, x0, (), None, args.method, args.tol))]
    report("Rosenbrock function in %d dimensions, %s:" % (args.dim, args.method), rows, np.ones(args.dim), 0.0)
    out["rosenbrock"] = {label: (result, seconds) for label, result, seconds in rows}

    # Poisson regression.
    gradient = poisson_grad
    check = srcdiff.check_grad(poisson_nll, np.zeros(args.features), X, counts)
    x0 = np.zeros(args.features)
    # The reference optimum: SciPy's trust-region Newton method with srcdiff's Hessian.
    best = minimize(poisson_nll, x0, args=(X, counts), jac=gradient, hess=srcdiff.hessian(poisson_nll),
                    method="trust-exact", tol=1e-14)
    rows = [("srcdiff.grad", *solve(poisson_nll, x0, (X, counts), gradient, args.method, args.tol)),
            ("finite differences", *solve(poisson_nll, x0, (X, counts), None, args.method, args.tol))]
    report("Poisson regression, %d coefficients, %d observations, %s (srcdiff's gradient agrees with finite "
           "differences to %.0e):" % (args.features, args.samples, args.method, check.max_rel_error),
           rows, best.x, best.fun)
    out["poisson"] = {label: (result, seconds) for label, result, seconds in rows}
    out["poisson_best"] = best
    print("f evals: evaluations of f, including SciPy's finite-difference probes; g evals: gradient calls.")
    return out


if __name__ == "__main__":
    main()
