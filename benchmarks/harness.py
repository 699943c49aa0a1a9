"""Small timing harness shared by the benchmark scripts.

Machines are shared and noisy, so contenders are measured round-robin (one sample of each per
round, with the starting contender rotated every round), each sample runs enough calls to last at
least ``target`` seconds, and results are medians over many rounds. Ratios are computed from the
medians of the same run.
"""
from __future__ import annotations

import gc
import itertools
import os
import platform
import statistics
import sys
import time

import numpy

perf_counter = time.perf_counter


def _sample(fn, args, number):
    """Seconds per call of ``fn(*args)``, averaged over ``number`` calls (gc off, as timeit does).

    One untimed call first puts the allocator and caches in this contender's steady state (as in
    a training loop); otherwise a millisecond-scale call pays page faults for memory the previous
    contender's pattern left unmapped, which biases single-call samples by ~10%.
    """
    fn(*args)
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = perf_counter()
        for _ in itertools.repeat(None, number):
            fn(*args)
        return (perf_counter() - t0) / number
    finally:
        if enabled:
            gc.enable()


def calibrate(fn, args, target):
    """How many calls make one sample of at least ``target`` seconds (warms ``fn`` up too)."""
    fn(*args)
    number = 1
    while True:
        per_call = _sample(fn, args, number)
        if per_call * number >= target:
            return number
        # aim a little above the target so that the next sample passes it
        guess = int(target * 1.2 / max(per_call, 1e-9)) + 1
        number = max(number * 2, min(guess, number * 100))


def measure(contenders, repeats, target):
    """Round-robin timing of ``{name: (fn, args)}``.

    Returns ``{name: {"median": s, "samples": [s, ...], "number": calls per sample}}`` with times in
    seconds per call.
    """
    names = list(contenders)
    numbers = {name: calibrate(*contenders[name], target) for name in names}
    samples = {name: [] for name in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            fn, args = contenders[name]
            samples[name].append(_sample(fn, args, numbers[name]))
    return {name: {"median": statistics.median(samples[name]), "samples": samples[name], "number": numbers[name]}
            for name in names}


def median_time(fn, repeats, setup=None):
    """Median wall time of single calls of ``fn()`` (``setup()`` runs untimed before each)."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = perf_counter()
        fn()
        times.append(perf_counter() - t0)
    return statistics.median(times)


def fmt_time(seconds):
    """A time with a unit chosen for readability: '812 ns', '12.3 us', '4.56 ms', '1.20 s'."""
    if seconds is None:
        return "-"
    if seconds < 0:
        return "-" + fmt_time(-seconds)
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return _three(seconds / scale) + " " + unit
    return _three(seconds / 1e-9) + " ns"


def _three(x):
    return "%.3g" % x if x < 1000 else "%.0f" % x


def fmt_ratio(x):
    return "-" if x is None else "%.2fx" % x


def table(headers, rows, align=None):
    """Plain-text table with aligned columns; ``align`` is a string of 'l'/'r' per column."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    align = align or "l" + "r" * (len(headers) - 1)

    def line(row):
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(row, widths, align)).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells[1:]]
    return "\n".join(out)


# glibc's mallopt parameters (malloc.h); 256 MiB is beyond any array these benchmarks allocate
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_STEADY_BYTES = 256 << 20


def add_allocator_option(parser):
    parser.add_argument("--system-malloc", action="store_true",
                        help="keep glibc's default heap thresholds (timings of large arrays then depend on "
                             "which other data is alive: see steady_allocator)")


def steady_allocator(system_malloc):
    """Keep freed memory in the heap instead of returning it to the kernel, unless ``system_malloc``.

    With glibc's adaptive defaults, whether a megabyte temporary is taken from the heap or mapped
    afresh (page faults and zero-filling on every call) depends on what else the process holds: the
    jvp of "mlp mse large" measured 2.04x the function when run alone and 2.58x with the other large
    workload's data alive, the hand-written jvp 2.0x and 2.5x. Fixed thresholds make a workload's
    ratio independent of the others. Returns a description for the header."""
    if system_malloc:
        return "system malloc defaults"
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        ok = libc.mallopt(_M_MMAP_THRESHOLD, _STEADY_BYTES) and libc.mallopt(_M_TRIM_THRESHOLD, _STEADY_BYTES)
    except (OSError, AttributeError):  # not glibc: nothing to pin
        return "system malloc (mallopt not available)"
    return "glibc heap thresholds pinned at 256 MiB" if ok else "system malloc (mallopt refused)"


def environment():
    """Versions and machine facts worth printing next to timings."""
    info = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    try:
        config = numpy.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        info["blas"] = "%s %s" % (blas.get("name", "?"), blas.get("version", ""))
    except Exception:  # older NumPy: not worth failing a benchmark over
        pass
    return info


def print_environment(info, extra=(), file=sys.stdout):
    parts = ["Python %s (%s)" % (info["python"], info["implementation"]), "NumPy %s" % info["numpy"]]
    if "blas" in info:
        parts.append("BLAS %s" % info["blas"].strip())
    parts += list(extra)
    print(", ".join(parts), file=file)
    print("%s, %s CPUs" % (info["platform"], info["cpus"]), file=file)


def print_header(srcdiff_version, autograd_version, autograd_skipped, legend, allocator):
    """Print the environment line (srcdiff's and autograd's versions included, and ``allocator``,
    what ``steady_allocator`` did) and the legend; returns the environment. ``autograd_version`` is
    None when autograd is not installed."""
    env = environment()
    env["allocator"] = allocator
    ag_text = "autograd %s" % autograd_version if autograd_version is not None else "autograd not installed"
    if autograd_version is not None and autograd_skipped:
        ag_text += " (skipped)"
    print_environment(env, ["srcdiff %s" % srcdiff_version, ag_text, allocator])
    print(legend)
    print()
    return env


def select(cases, only, parser):
    """The workloads ``--only`` names: the one called exactly that, else those containing it."""
    if not only:
        return cases
    chosen = [c for c in cases if c[0] == only] or [c for c in cases if only in c[0]]
    if not chosen:
        parser.error("--only %r matches no workload" % only)
    return chosen
