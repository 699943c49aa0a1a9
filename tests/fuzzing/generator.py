"""Random programs of srcdiff's supported language, as source text, with their inputs.

The generator is *concrete*: every statement it writes is executed at once on the test inputs,
so it always knows the exact shape and value of every variable. It uses that to

* pick operands with compatible shapes (broadcasting, products, concatenation, stores);
* keep values in safe domains: ``np.log(v)`` only when every entry of ``v`` is > 0.05 at the test
  point, otherwise the safe form ``np.log(1.0 + v ** 2)``; magnitudes stay below ``BOUND``;
* keep non-smooth points away from the test point (kinks of ``abs``/``maximum``/``clip``/
  ``floor``..., ties of ``max``, mask thresholds) by at least ``KINK`` — or exactly on them for
  values that are constants;
* choose the constant ``c`` of a run-time condition ``expr > c`` far from every value ``expr``
  takes at the test point (for conditions inside loops: over every iteration, by re-running the
  loop with the conditions recorded, then checking the margins once more with the final
  constants).

Inside loop bodies and helper functions only the first iteration / first call is known while
writing, so there domain-sensitive functions use their safe forms; the loop is then run in full
(floating-point errors raise) and dropped if anything overflows.

With ``features`` on (the default), a program may also use the constructs of issue 15
(``constructs``: closures from factories, ``xp=np`` and local module aliases, ``functools.wraps``
decorators, a function argument made by a factory, ``np.r_``/``np.c_``, lists in dicts and lists,
reductions of comprehensions, very deep expressions; ``local_checks``: local ``def``/``lambda``
helpers, raise/assert guards, checking calls; ``special_inputs``: an argument ``u`` with a
NaN / out-of-domain entry, complex arguments ``zc``/``zs`` with a Python float ``sc``, a complex
output). The NaN and complex inputs never join the pool: each is used by one output term of
known semantics.

Every random decision goes through a ``Chooser``: ``HypothesisChooser`` draws from hypothesis
strategies (``programs()``; shrinking prefers the first option of every choice, which is always
the simplest), ``RandomChooser`` uses ``random.Random(seed)`` for fast reproducible long runs.
"""
from __future__ import annotations

import copy
import functools
import itertools
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from .choosers import GenFail, HypothesisChooser, RandomChooser, ReplayChooser
from .values import E, MAX_ENTRIES, Var, _leaves, finite_bounded, fmt, par, strip_parens
from .tables import registry_ufuncs
from .expressions import Expressions
from .statements import Statements
from .constructs import ALIASES, Constructs
from .local_checks import LocalChecks
from .objects import Objects, exact_srcdiff
from .features import Features
from . import special_inputs


@dataclass
class Program:
    source: str               # the whole module: imports, helpers, then ``def f``
    fname: str                # name of the function to differentiate
    args: tuple               # positional arguments (the test point)
    wrt: object               # int, str or tuple of them, as passed to srcdiff
    arg_names: list
    seed: object = None       # what produced it (random mode), for the record
    features: set = field(default_factory=set)
    choices: list = field(default_factory=list)  # recorded choices (random / replay mode)
    makers: dict = field(default_factory=dict)   # position -> (factory name, [parameters]): a function argument
    nan: dict = None          # the NaN / out-of-domain input: {"arg", "kind", "bad", "fill"} (special_inputs)
    complex_out: bool = False  # f returns a complex number: grad must refuse
    fires: list = field(default_factory=list)  # sources in which a guard fires: srcdiff must raise as Python does
    objects: dict = field(default_factory=dict)  # position -> constructor source of a user-class argument
    bound: str = None         # the bound form: check ``srcdiff.grad(obj.<bound>)`` too (objects.py)
    uses_srcdiff: bool = False  # f calls srcdiff.grad inside: the reference runs with exact derivatives

    def args_source(self):
        items = [("%s(%r)" % (self.makers[i][0], self.makers[i][1][0]) if i in self.makers else
                  self.objects[i] if i in self.objects else _literal(a)) for i, a in enumerate(self.args)]
        return "(" + ", ".join(items) + ("," if len(self.args) == 1 else "") + ")"

    def materialized(self, namespace, k=0):
        """The arguments with each function argument made by its factory in ``namespace`` (the
        program's module), with its ``k``-th parameter."""
        args = list(self.args)
        for i, (name, params) in self.makers.items():
            args[i] = namespace[name](params[k])
        for i, ctor in self.objects.items():
            args[i] = eval(ctor, namespace)
        return tuple(args)

    def reproducer(self, note=""):
        """A stand-alone snippet: the module, its inputs, and the srcdiff check that fails."""
        lines = []
        if note:
            lines += ["# " + line for line in note.strip().splitlines()]
        lines += [self.source.rstrip(), "", "",
                  "ARGS = %s" % self.args_source(),
                  "WRT = %r" % (self.wrt,),
                  "",
                  "",
                  "def test_fuzz_regression():",
                  "    import srcdiff",
                  "    srcdiff.check_grad(%s, *ARGS, wrt=WRT)" % self.fname, ""]
        return "\n".join(lines)


def _literal(a):
    if isinstance(a, np.ndarray):
        if a.ndim == 0:
            return "np.array(%r)" % float(a)
        return re.sub(r"\bnan\b", "np.nan", "np.array(%r)" % (a.tolist(),))
    if isinstance(a, list):
        return "[" + ", ".join(_literal(x) for x in a) + "]"
    if isinstance(a, tuple):
        return "(" + ", ".join(_literal(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, dict):
        return "{" + ", ".join("%r: %s" % (k, _literal(v)) for k, v in a.items()) + "}"
    return repr(a)


class Generator(Expressions, Statements, Constructs, LocalChecks, Objects):
    """Writes one program. ``program()`` returns a ``Program`` or raises ``GenFail``."""

    def __init__(self, chooser, *, max_statements=7, max_depth=3, allow_refusable=True, new_features=None,
                 force=None, only=None, skip=()):
        self.ch = chooser
        self.max_statements = max_statements
        self.max_depth = max_depth
        self.allow_refusable = allow_refusable  # also write a few calls srcdiff documents as refused
        self.features = set()
        self.counter = itertools.count()
        self.hcounter = itertools.count()
        self.conds = {}     # id -> (expr src, op)
        self.th = {}        # id -> threshold
        self.rec = {}       # id -> recorded values (instrumented runs)
        self.helpers = []   # (name, source lines, param shapes, n returns)
        self.hscope = {"np": np, "math": math, "functools": functools}
        self.safe = False
        self.loop_depth = 0
        self.loop_conds = None  # cond ids created inside the current outermost loop
        self.in_helper = False
        self.fx = Features(new_features, force, only, skip)  # the issue-15 constructs (features.py)
        self.prelude = []   # module-level definitions before the helpers (factories, decorators)
        self.defined = set()
        self.aliases = []
        self.gates = {}     # issue-15 features switched on for this program (Constructs.roll_gates)
        self.local_defs = []     # source lines of f's local helpers (written at the top of f's body)
        self.local_helpers = []  # (name, kind, "def" or "lambda"), one per entry of local_defs
        self.fires = []          # (guard line, the same guard firing at the test point)
        self.uses_srcdiff = False  # a nested srcdiff.grad call was written (objects.py)

    # ---------------------------------------------------------------- scope / execution

    def _base_scope(self):
        return {"np": np, "math": math, "functools": functools, "__cv": self._cv, "__th": self.th}

    def _cv(self, k, v):
        self.rec.setdefault(k, []).append(float(v))
        return v

    def copy_scope(self, scope):
        out, memo = {}, {}
        for k, v in scope.items():
            if k.startswith("__"):
                out[k] = v
            else:
                out[k] = copy.deepcopy(v, memo) if isinstance(v, (np.ndarray, list, dict)) else v
        return out

    def run(self, src, scope):
        """Execute statement source in ``scope`` with floating-point errors raised."""
        try:
            with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
                warnings.simplefilter("error")
                exec(compile(src, "<gen>", "exec"), scope)
        except Exception as exc:  # noqa: BLE001 - anything that fails is simply not used
            raise GenFail("exec failed: %s: %s\n%s" % (type(exc).__name__, exc, src)) from None

    def ev(self, src):
        """Evaluate an expression at the test point; it must be finite and bounded."""
        try:
            with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
                warnings.simplefilter("error")
                v = eval(compile(src, "<gen>", "eval"), self.scope)
        except Exception as exc:  # noqa: BLE001
            raise GenFail("eval failed: %s: %s: %s" % (src, type(exc).__name__, exc)) from None
        if isinstance(v, complex) or np.iscomplexobj(v):
            raise GenFail("complex value: %s" % src)  # e.g. a negative Python float ** 0.5
        if isinstance(v, np.ndarray) and v.dtype.kind in "biu":
            return v
        if not finite_bounded(v):
            raise GenFail("value out of bounds: %s" % src)
        if isinstance(v, np.ndarray) and v.size > MAX_ENTRIES:
            raise GenFail("too large")
        if isinstance(v, np.ndarray) and v.size == 0:
            raise GenFail("empty")
        if np.ndim(v) > 3:
            raise GenFail("more than 3 dimensions")
        return v

    def e(self, src):
        return E(src, self.ev(src))

    def fresh(self, prefix="v"):
        return "%s%d" % (prefix, next(self.counter))

    def check_all_values(self, scope):
        for k, v in scope.items():
            if k in self.pool and self.pool[k].kind == "num" and not finite_bounded(v):
                raise GenFail("unbounded after statement")

    # ------------------------------------------------------------------ choosing leaves

    def nums(self, pred=None):
        out = []
        for name, var in self.pool.items():
            if var.kind != "num":
                continue
            v = self.ev(name)
            if pred is None or pred(v):
                out.append(E(name, v))
        return out

    def pick(self, items):
        """Prefer recent pool entries (they make chains of dependent statements)."""
        if not items:
            raise GenFail("nothing to pick")
        if len(items) > 3 and self.ch.flip(0.6):
            return items[len(items) - 1 - self.ch.int(0, 2)]
        return self.ch.choice(items)


    # ------------------------------------------------------------------------ program

    def arguments(self):
        """Choose the parameters and their values (seeded NumPy generator)."""
        seed = self.ch.int(0, 2 ** 16)
        rng = np.random.default_rng(seed)

        def arr(shp):
            return np.round(rng.uniform(-1.5, 1.5, size=shp), 6)

        shapes = [(3,), (4,), (2, 3), (3, 3), (3, 2), (2, 2), (2, 3, 2), (2,), ()]
        params = []
        self.specials = {}
        if self.roll("objects"):  # first: as Model.loss, it is self
            name, value, ctor = self.object_param(rng)
            self.specials["object"] = (0, ctor)
            params.append((name, value))
        n_arrays = self.ch.int(1, 3)
        for name in ["x", "y", "z"][:n_arrays]:
            s = self.ch.choice(shapes)
            params.append((name, np.array(arr(s)) if s else np.array(float(arr(())))))
        if self.ch.flip(0.3):
            params.append(("s", float(arr(()))))
        if self.ch.flip(0.3):
            s = self.ch.choice([(3,), (2, 2), ()])
            k = self.ch.int(1, 3)
            items = [np.array(arr(s)) if s else float(arr(())) for _ in range(k)]
            params.append(("params", items))
        if self.ch.flip(0.25):
            params.append(("p", {"w": arr(self.ch.choice([(3,), (2, 3)])), "b": float(arr(()))}))
        if self.ch.flip(0.1):
            params.append(("n", self.ch.int(1, 3)))
        # issue-15 inputs: none of them joins the pool, so the ordinary statements never see them
        if self.roll("fn_arg"):
            name, fn, maker = self.fn_arg_param()
            self.specials["maker"] = (len(params), maker)
            params.append((name, fn))
        if self.roll("nan"):
            u, info = special_inputs.nan_argument(self, rng)
            info["arg"] = len(params)
            self.specials["nan"] = info
            params.append(("u", u))
        fc = self.roll("float_complex")
        if fc or self.roll("complex"):
            params.append(("zc", special_inputs.complex_argument(self, rng)))
            self.specials["complex"] = True
        if fc:
            params.append(("sc", float(arr(()))))
            params.append(("zs", complex(round(float(rng.uniform(-1, 1)), 4), round(float(rng.uniform(-1, 1)), 4))))
            self.specials["float_complex"] = True
        return params

    def program(self):
        self.scope = self.root_scope = self._base_scope()
        params = self.arguments()
        self.roll_gates()
        self.pool = {}
        self.block = []
        self.loop_ints = []
        special = {"g", "u", "zc", "sc", "zs", "model"}  # the issue-15 inputs (arguments())
        if "object" in self.specials:
            self.object_pool()
        for name, val in params:
            self.scope[name] = copy.deepcopy(val)
            if name in special:
                continue
            if isinstance(val, list):
                self.pool[name] = Var("list", arg=True)
                for j in range(len(val)):
                    self.pool["%s[%d]" % (name, j)] = Var("num", arg=True)
            elif isinstance(val, dict):
                self.pool[name] = Var("dict", arg=True)
                for k in val:
                    self.pool["%s[%r]" % (name, k)] = Var("num", arg=True)
            elif isinstance(val, int):
                self.pool[name] = Var("int", arg=True)
            else:
                self.pool[name] = Var("num", arg=True)
        module_arg = self.roll("module_arg")
        if self.roll("module_alias"):
            aliases = list(ALIASES)
            self.aliases = [aliases[self.ch.int(0, len(aliases) - 1)]]
            if self.ch.flip(0.3):
                other = aliases[self.ch.int(0, len(aliases) - 1)]
                if other not in self.aliases and not (other == "m = np" or self.aliases[0] == "m = np"):
                    self.aliases.append(other)
            for a in self.aliases:
                self.features.add("module_alias:" + a)
        for _ in range(self.ch.int(1, self.max_statements)):
            self.statement()
        if self.roll("deep"):
            self.s_deep()
        # the output: a scalar combination of reductions of recent values
        nums = [n for n, v in self.pool.items() if v.kind == "num"]
        recent = [n for n in nums if re.match(r"^[vy]\d+$|^acc\d+$", n)]
        picks = [recent[-1]] if recent else [self.ch.choice(nums)]
        for _ in range(self.ch.int(0, 2)):
            picks.append(self.pick(nums))
        terms = []
        for p in picks:
            e = self.reduce_full(E(p, self.ev(p)))
            terms.append(e.src if not terms else "%s * %s" % (fmt(self.ch.choice([0.5, 2.0, -1.0, 0.3])), par(e.src)))
        extra = self.special_terms(module_arg)
        ret = " + ".join(terms)
        value = self.ev(ret)
        if np.ndim(value) != 0:
            raise GenFail("non-scalar output")
        complex_out = self.roll("complex_out")
        if complex_out:
            extra.append("%s * 1j" % par(ret))
            self.features.add("complex_out")
        ret = " + ".join([ret] + extra)
        names = [n for n, _ in params]
        diff = [n for n, v in params if not isinstance(v, int) and not callable(v)]
        if not diff:
            raise GenFail("nothing to differentiate")
        chosen = [n for n in diff if self.ch.flip(0.8)] or [diff[0]]
        bound = "object" in self.specials and self.ch.flip(0.5)
        if "object" in self.specials and "model" not in chosen:
            chosen.append("model")
        if bound:  # Model.loss(self, ...): the object alone, as grad(obj.loss) differentiates it
            chosen = ["model"]
        form = self.ch.int(0, 2)
        if len(chosen) == 1:
            wrt = chosen[0] if form == 0 else names.index(chosen[0])
            if form == 2:
                wrt = (names.index(chosen[0]),)
        else:
            wrt = tuple(chosen) if form == 0 else tuple(names.index(c) for c in chosen)
        signature = names + (["xp=np"] if module_arg else [])
        if module_arg:
            self.features.add("module_arg")
        deco = self.decorator() if self.gate("wraps") and self.ch.flip(0.6) else None
        prelude_src = "".join("\n\n" + "\n".join(lines) + "\n" for lines in self.prelude)
        helper_src = "".join("\n\n" + "\n".join(lines) + "\n" for _, lines, _, _ in self.helpers)
        body = [ln for lines in self.local_defs for ln in lines]
        body += self.render(self.block, final=True) + ["return %s" % strip_parens(ret)]
        body = self.module_rewrites(body, signature)
        if bound:  # the class's source is in the prelude: rendered again with the method
            self.as_method(body, signature)
            prelude_src = "".join("\n\n" + "\n".join(lines) + "\n" for lines in self.prelude)
        header = "import functools\nimport math\n" if "functools." in prelude_src else "import math\n"
        if self.uses_srcdiff:
            header += "\nimport srcdiff\n"
        src = (header + "\nimport numpy as np\n" + prelude_src + helper_src + "\n\n"
               + ("%s\n" % deco if deco else "") + "def f(%s):\n" % ", ".join(signature)
               + "".join("    " + ln + "\n" for ln in body))
        args = tuple(val for _, val in params)
        nan = self.specials.get("nan")
        makers = {}
        if "maker" in self.specials:
            pos, maker = self.specials["maker"]
            makers[pos] = maker
        objects = {}
        if "object" in self.specials:
            objects[self.specials["object"][0]] = self.specials["object"][1]
            self.features.add("objects:" + ("bound" if bound else "function"))
        fname = "f"
        if bound:
            fname, names = "Model.loss", ["self" if n == "model" else n for n in names]
            if isinstance(wrt, str):
                wrt = "self"
        return Program(source=src, fname=fname, args=args, wrt=wrt, arg_names=names, features=set(self.features),
                       makers=makers, nan=nan, complex_out=complex_out, fires=self.fire_variants(src),
                       objects=objects, bound="loss" if bound else None, uses_srcdiff=self.uses_srcdiff)

    def special_terms(self, module_arg):
        """Output terms that make sure every issue-15 input and rewrite is used."""
        extra = []
        if "maker" in self.specials and not any("g(" in str(b) for b in self.block):
            items = self.nums()
            a = self.pick(items) if items else self.constant()
            extra.append("np.sum(%s)" % strip_parens(self.e("g(%s)" % strip_parens(a.src)).src))
        if "nan" in self.specials:
            extra.append(special_inputs.nan_term(self, self.specials["nan"])[0])
        if "complex" in self.specials:
            extra.append(special_inputs.complex_term(self, "float_complex" in self.specials)[0])
        if "object" in self.specials:
            extra.append(self.object_output_term())
        for alias in self.aliases:
            extra.append("0.5 * %s" % par(self.alias_witness(alias).src))
        if module_arg and self.ch.flip(0.5):
            extra.append("0.5 * %s" % par(self.alias_witness("m = np").src))
        return extra


def registry_coverage():
    """(generated, not generated): names of srcdiff's registered NumPy/math rules that this
    generator's templates can write, and the differentiable ones it never writes."""
    import inspect as _inspect
    from srcdiff.rules import all_rules
    from . import choosers, constructs, expressions, special_inputs, statements, tables, values
    modules = (choosers, values, tables, expressions, statements, constructs, special_inputs,
               _inspect.getmodule(registry_coverage))
    text = "".join(_inspect.getsource(m) for m in modules)
    written = set(re.findall(r"\bnp\.((?:linalg\.)?[a-z_0-9]+)\(", text))
    written |= {"numpy." + n for n in re.findall(r"\.([a-z_]+)\(", text)}  # methods map onto numpy functions
    written |= {"math." + n for n in re.findall(r"\bmath\.([a-z_0-9]+)\(", text)}
    names = {"numpy." + n for n in written if not n.startswith(("numpy.", "math."))} | \
        {n for n in written if n.startswith(("numpy.", "math."))}
    names |= {"numpy." + n for group in registry_ufuncs() for n in group}
    names |= {"numpy.std", "numpy.var", "numpy.sum", "numpy.mean", "numpy.prod", "numpy.max", "numpy.min"}
    aliases = {"numpy.abs": "numpy.absolute", "numpy.divide": "numpy.divide"}
    names |= {aliases[n] for n in names if n in aliases}
    generated, missing = set(), set()
    for rule in all_rules():
        if not rule.name.startswith(("numpy.", "math.")):
            continue
        if rule.name in names:
            generated.add(rule.name)
        elif not rule.nondifferentiable:
            missing.add(rule.name)
    return sorted(generated), sorted(missing)


# --------------------------------------------------------------------------- entry points


def generate(chooser, **config):
    """One program from ``chooser`` (raises GenFail when this chooser's program did not work out)."""
    program = Generator(chooser, **config).program()
    _validate(program)
    program.choices = list(getattr(chooser, "record", []))
    return program


def random_program(seed, **config):
    """The program for ``seed`` (random mode); retries with derived seeds if a draw fails."""
    for attempt in range(20):
        try:
            p = generate(RandomChooser(seed * 1000003 + attempt), **config)
            p.seed = seed
            return p
        except GenFail:
            continue
    raise GenFail("no program for seed %r" % (seed,))


def replay_program(offsets, **config):
    return generate(ReplayChooser(offsets), **config)


def programs(**config):
    """A hypothesis strategy of ``Program``s."""
    from hypothesis import assume, strategies as st

    @st.composite
    def strategy(draw):
        try:
            return generate(HypothesisChooser(draw), **config)
        except GenFail:
            assume(False)

    return strategy()


def _validate(program):
    """Run the final source as plain Python on the test point: it must give a finite float."""
    import types
    mod = types.ModuleType("fuzz_validate")
    try:
        with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            exec(compile(program.source, "<validate>", "exec"), mod.__dict__)
            if program.uses_srcdiff:
                mod.srcdiff = exact_srcdiff()
            args = copy.deepcopy(program.materialized(mod.__dict__))
            if program.nan is not None:  # NaN and out-of-domain entries are the point here
                with np.errstate(all="ignore"):
                    v = mod.f(*args)
            else:
                v = mod.f(*args)
    except Exception as exc:  # noqa: BLE001
        raise GenFail("final program fails: %s: %s" % (type(exc).__name__, exc)) from None
    nan_out = program.nan is not None and program.nan["kind"] == "propagate"
    if np.ndim(v) != 0 or np.iscomplexobj(v) != program.complex_out or bool(np.isfinite(v)) == nan_out:
        raise GenFail("final program value %r" % (v,))
    for a, b in zip(_leaves(args), _leaves(program.args)):
        if hasattr(a, "__dict__") and not callable(a):
            a, b = [x for x in vars(a).values() if not callable(x)], [x for x in vars(b).values() if not callable(x)]
            if not all(np.array_equal(p, q) for p, q in zip(a, b)):
                raise GenFail("program mutates its model")
            continue
        if not callable(a) and not np.array_equal(a, b, equal_nan=True):
            raise GenFail("program mutates its arguments")
