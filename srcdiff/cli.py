"""The ``srcdiff`` command: show generated code, check a gradient, list derivative rules.

    srcdiff show path/to/file.py:function [--wrt NAME_OR_INDEX ...] [--mode reverse|forward]
                 [--stages] [--callees] [--args EXPR]
    srcdiff check path/to/file.py:function --args EXPR [--wrt NAME_OR_INDEX ...]
    srcdiff coverage [--namespace NAME ...]

Exit status: 0 on success, 1 when a gradient check fails, srcdiff cannot differentiate the
function or the function raises, 2 for a problem with the command line (missing file or function,
bad --wrt, --args the function cannot take, bad tolerances).

``show`` and ``check`` import the file, so its top-level code runs, as with ``python -c "import
module"``; guard scripts with ``if __name__ == "__main__":``.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import importlib.util
import inspect
import math
import os
import re
import shutil
import sys

import numpy

USAGE_ERROR = 2
FAILURE = 1
BROKEN_PIPE = 128 + 13  # what a shell reports for a command ended by SIGPIPE


class UsageError(Exception):
    """A problem with the command line: reported in one line, exit status 2."""


class Failure(Exception):
    """The command ran but its answer is no (srcdiff refused, the check failed): exit status 1."""


# ----------------------------------------------------------------------------- loading

def load_function(target):
    """The function named by ``path/to/file.py:function`` (a dotted name reaches attributes)."""
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError("expected FILE.py:FUNCTION, got %r" % target)
    module = load_module(path)
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            defined = sorted(n for n, v in vars(module).items()
                             if inspect.isfunction(v) and v.__module__ == module.__name__)
            raise UsageError("%s has no function `%s`%s" % (
                path, name, " (functions defined there: %s)" % ", ".join(defined) if defined else
                " (it defines no functions)"))
        obj = getattr(obj, part)
    if not inspect.isfunction(obj):
        raise UsageError("`%s` in %s is %s, not a function defined with `def`" % (
            name, path, type(obj).__name__))
    return obj


def load_module(path):
    """Import the file at ``path`` under a name derived from it, registered in ``sys.modules`` (so
    that ``inspect.getsource`` finds its functions) and with its folder on ``sys.path`` (so that it
    can import its neighbours, as when run with ``python path``)."""
    if not os.path.exists(path):
        raise UsageError("no such file: %s" % path)
    if not os.path.isfile(path):
        raise UsageError("not a file: %s" % path)
    path = os.path.abspath(path)
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == path:
            return module
    name = module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError("cannot import %s: not a Python source file" % path)
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        raise UsageError("cannot import %s: %s (line %s)" % (path, exc.msg, exc.lineno)) from None
    except Exception as exc:  # the file's own code failed
        del sys.modules[name]
        raise UsageError("importing %s raised %s: %s" % (path, type(exc).__name__, exc)) from None
    return module


def module_name(path):
    """The file's stem when it is a free module name, else a prefixed one that cannot clash."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem.isidentifier() and stem not in sys.modules and stem not in sys.stdlib_module_names:
        return stem
    base = "_srcdiff_file_" + re.sub(r"\W", "_", stem)
    name, n = base, 1
    while name in sys.modules:
        n += 1
        name = "%s_%d" % (base, n)
    return name


def parse_wrt(values, fun):
    """``--wrt`` values (parameter names or indices) as srcdiff's ``wrt``, checked against ``fun``."""
    if not values:
        return 0
    items = [int(v) if re.fullmatch(r"[+-]?\d+", v) else v for v in values]
    wrt = items[0] if len(items) == 1 else tuple(items)
    from .api import Signature
    from .errors import ArgumentError
    try:
        Signature(fun, wrt)
    except ArgumentError as exc:
        raise UsageError("bad --wrt: %s" % exc) from None
    return wrt


def parse_args_expression(text, module):
    """Evaluate ``--args``: a tuple is the argument list, anything else the only argument."""
    try:
        tree = ast.parse(text.strip(), "<--args>", mode="eval")
    except SyntaxError as exc:
        raise UsageError("cannot parse --args %r: %s" % (text, exc.msg)) from None
    namespace = dict(vars(module)) if module is not None else {}
    namespace.update({"np": numpy, "numpy": numpy, "math": math, "__builtins__": builtins})
    try:
        value = eval(compile(tree, "<--args>", "eval"), namespace)
    except Exception as exc:
        raise UsageError("cannot evaluate --args %r: %s: %s" % (text, type(exc).__name__, exc)) from None
    return value if isinstance(value, tuple) else (value,)


def tolerance(text):
    """An ``--rtol``/``--atol`` value: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number, got %r" % text) from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError("must be a finite number >= 0, got %r" % text)
    return value


# ----------------------------------------------------------------------------- output

def use_colour(choice, stream):
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def print_source(text, colour, out):
    from .highlight import highlight
    text = highlight(text) if colour else text
    out.write(text if text.endswith("\n") else text + "\n")


def heading(text, colour):
    return "\033[1m%s\033[0m" % text if colour else text


# ----------------------------------------------------------------------------- commands

def cmd_show(opts, out):
    fun = load_function(opts.target)
    wrt = parse_wrt(opts.wrt, fun)
    args = parse_args_expression(opts.args, sys.modules.get(fun.__module__)) if opts.args is not None else ()
    import srcdiff
    transformed = srcdiff.forward(fun, wrt) if opts.mode == "forward" else srcdiff.grad(fun, wrt=wrt)
    colour = use_colour(opts.color, out)
    if opts.stages:
        stages = transformed.stages(*args)
        for i, (name, source) in enumerate(stages):
            if i:
                out.write("\n")
            out.write(heading("# ---- stage %d: %s " % (i + 1, name) + "-" * max(0, 60 - len(name)), colour) + "\n")
            if i and source == stages[i - 1][1]:  # a pass with nothing to do here
                out.write(heading("# (unchanged)", colour) + "\n")
            else:
                print_source(source, colour, out)
        return 0
    if opts.callees:
        source = "\n".join(transformed.sources(*args).values())
    else:
        source = transformed.source_for(*args) if args else transformed.source
    print_source(source, colour, out)
    return 0


def cmd_check(opts, out):
    fun = load_function(opts.target)
    wrt = parse_wrt(opts.wrt, fun)
    args = parse_args_expression(opts.args, sys.modules.get(fun.__module__))
    import srcdiff
    try:
        report = srcdiff.check_grad(fun, *args, wrt=wrt, rtol=opts.rtol, atol=opts.atol)
    except AssertionError as exc:
        raise Failure(str(exc)) from None
    out.write("%s\n" % report)
    out.write("OK: srcdiff's gradient of %s agrees with finite differences\n" % fun.__name__)
    return 0


# ----------------------------------------------------------------------------- coverage

def cmd_coverage(opts, out):
    from .cli_coverage import UnknownNamespace, report
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    try:
        return report(opts.namespace or [], out, width)
    except UnknownNamespace as exc:
        raise UsageError(str(exc)) from None


# ----------------------------------------------------------------------------- main

def quiet_closed_stdout():
    """Point stdout at /dev/null, so that the interpreter's final flush of a closed pipe does not
    print a second error at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass


def build_parser():
    parser = argparse.ArgumentParser(
        prog="srcdiff", description="srcdiff: automatic differentiation of NumPy functions by source "
                                    "transformation.",
        epilog="Exit status: 0 on success, 1 when a gradient check fails or srcdiff cannot differentiate "
               "the function, 2 for a problem with the command line.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def add_target(p):
        p.add_argument("target", metavar="FILE.py:FUNCTION", help="the function, e.g. examples/model.py:loss")
        p.add_argument("--wrt", nargs="+", metavar="NAME_OR_INDEX",
                       help="the parameter(s) to differentiate with respect to (default: the first)")

    imports = ("The file is imported, so its top-level code runs (guard scripts with "
               "`if __name__ == \"__main__\":`).")
    show = sub.add_parser("show", help="print the code srcdiff generates for a function",
                          description="Print the code srcdiff generates for a function (coloured on a terminal). "
                                      "Generated code is specialized to the kinds of its arguments: without --args "
                                      "every argument is taken to be an array. " + imports)
    add_target(show)
    show.add_argument("--mode", choices=["reverse", "forward"], default="reverse",
                      help="reverse: the gradient function (default); forward: the tangent function")
    show.add_argument("--stages", action="store_true", help="print the source after every pipeline stage")
    show.add_argument("--callees", action="store_true",
                      help="also print the generated code of the user functions it calls")
    show.add_argument("--args", metavar="EXPR",
                      help="a Python expression for example arguments, e.g. \"np.ones(3), 2.0\" (np, numpy, "
                           "math and the file's own names are available); specializes the code to them")
    show.add_argument("--color", "--colour", choices=["auto", "always", "never"], default="auto",
                      help="syntax colouring (default: auto, on a terminal)")
    show.set_defaults(run=cmd_show)

    check = sub.add_parser("check", help="compare srcdiff's gradient with finite differences",
                           description="Compare srcdiff's gradient with central finite differences at the given "
                                       "arguments; exit status 1 on a mismatch. " + imports)
    add_target(check)
    check.add_argument("--args", metavar="EXPR", required=True,
                       help="a Python expression for the arguments: a tuple is the argument list, anything else "
                            "the single argument; write ((a, b),) for one tuple argument. np, numpy, math and "
                            "the file's own names are available")
    check.add_argument("--rtol", type=tolerance, default=1e-5,
                       help="relative tolerance, a number >= 0 (default: 1e-5)")
    check.add_argument("--atol", type=tolerance, default=1e-7,
                       help="absolute tolerance, a number >= 0 (default: 1e-7)")
    check.set_defaults(run=cmd_check)

    coverage = sub.add_parser("coverage", help="list which functions have derivative rules",
                              description="For numpy, numpy.linalg, numpy.fft, math, builtins, ndarray methods and, "
                                          "when SciPy is installed, scipy.special, scipy.stats (with the methods of "
                                          "its distributions), scipy.linalg, scipy.signal and scipy.integrate: which "
                                          "public callables have a rule in reverse and in forward mode. Any other "
                                          "numpy.* or scipy.* module can be named with --namespace.")
    coverage.add_argument("--namespace", action="append", metavar="NAME",
                          help="report only this namespace (repeatable), e.g. numpy.linalg or ndarray")
    coverage.set_defaults(run=cmd_coverage)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        opts = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage errors (status 2)
        return exc.code
    from .errors import ArgumentError, SrcdiffError
    out = sys.stdout
    try:
        return opts.run(opts, out)
    except BrokenPipeError:  # the reader closed the pipe (``srcdiff show ... | head``)
        quiet_closed_stdout()
        return BROKEN_PIPE
    except UsageError as exc:
        print("srcdiff %s: error: %s" % (opts.command, exc), file=sys.stderr)
        return USAGE_ERROR
    except ArgumentError as exc:  # in the command line, only --wrt and --args give arguments
        print("srcdiff %s: error: bad --args or --wrt: %s" % (opts.command, exc), file=sys.stderr)
        return USAGE_ERROR
    except Failure as exc:
        print("srcdiff %s: %s" % (opts.command, exc), file=sys.stderr)
        return FAILURE
    except SrcdiffError as exc:
        print("srcdiff %s: error: %s" % (opts.command, exc), file=sys.stderr)
        return FAILURE
    except Exception as exc:  # raised by the user's function while it ran
        print("srcdiff %s: error: %s: %s" % (opts.command, type(exc).__name__, exc), file=sys.stderr)
        return FAILURE
