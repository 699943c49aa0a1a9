"""Long differential fuzzing run of srcdiff: ``python -m tests.fuzz --programs 10000``.

Generates programs from consecutive seeds (random mode, reproducible one by one with
``--first SEED --programs 1``), checks each with ``tests.fuzzing.runner.check`` in worker
processes, prints progress, writes every ``wrong``/``error`` program (a reproducer ready to paste
into a test file) to ``--out``, shrinks one program per distinct failure signature, summarizes
the refusals, prints the outcomes of the programs using each issue-15 construct, and ends with the
line ``programs: N, wrong: W, refused: R, errors: E``.

Targeted runs: ``--force nan,complex`` writes the named constructs (tests/fuzzing/features.py) in
nearly every program, ``--only`` turns the others off, ``--no-new`` restores the grammar of before
issue 15 (the same switches as the environment variables ``SRCDIFF_FUZZ_FORCE``,
``SRCDIFF_FUZZ_ONLY=1``, ``SRCDIFF_FUZZ_NEW=0``).
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import multiprocessing
import os
import sys
import time

if __package__ in (None, ""):  # ``python tests/fuzz.py``
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.fuzzing import generator, runner, shrink  # noqa: E402
from tests.fuzzing.features import NEW_FEATURES, feature_of  # noqa: E402


def work(seed):
    try:
        program = generator.random_program(seed)
    except generator.GenFail as exc:
        return seed, "invalid", [("invalid", "generate", str(exc)[:200])], None, ()
    outcome = runner.check(program)
    issues = [(i.status, i.check, i.message) for i in outcome.issues]
    keep = program if outcome.status in ("wrong", "error", "invalid") else None
    if keep is not None and (program.makers or program.objects):  # function arguments and objects do not
        keep = outcome.program = dataclasses.replace(program, args=tuple(  # pickle; the program makes them again
            None if i in program.makers or i in program.objects else a for i, a in enumerate(program.args)))
    feats = sorted({feature_of(t) for t in program.features} - {None})
    return seed, outcome.status, issues, (keep, outcome) if keep is not None else None, feats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--first", type=int, default=0, help="first seed")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--out", default="fuzz_failures", help="directory for failing programs")
    ap.add_argument("--no-shrink", action="store_true")
    ap.add_argument("--shrink-seconds", type=float, default=90.0)
    ap.add_argument("--progress", type=float, default=15.0, help="seconds between progress lines")
    ap.add_argument("--force", default="", help="issue-15 features to write in (nearly) every program, "
                    "comma-separated, or 'all': %s" % ", ".join(NEW_FEATURES))
    ap.add_argument("--only", action="store_true", help="with --force: the other issue-15 features off")
    ap.add_argument("--no-new", action="store_true", help="the grammar of before issue 15 (features off)")
    args = ap.parse_args(argv)
    # the workers read these (tests/fuzzing/features.py)
    if args.force:
        os.environ["SRCDIFF_FUZZ_FORCE"] = args.force
    if args.only:
        os.environ["SRCDIFF_FUZZ_ONLY"] = "1"
    if args.no_new:
        os.environ["SRCDIFF_FUZZ_NEW"] = "0"

    os.makedirs(args.out, exist_ok=True)
    counts = collections.Counter()
    refusals = collections.Counter()
    examples = {}  # refusal key -> first seed
    groups = collections.defaultdict(list)   # signature -> [(size, seed, program, outcome)]
    by_feature = collections.defaultdict(collections.Counter)  # issue-15 feature -> status counts
    start = last = time.time()
    seeds = range(args.first, args.first + args.programs)
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(args.jobs, maxtasksperchild=500) as pool:
        for n, (seed, status, issues, kept, feats) in enumerate(pool.imap_unordered(work, seeds, chunksize=4), 1):
            counts[status] += 1
            for feat in feats:
                by_feature[feat][status] += 1
            for st, check, msg in issues:
                if st == "refused":
                    key = runner.refusal_key(runner.Issue(st, check, msg))
                    refusals[key] += 1
                    examples.setdefault(key, seed)
            if kept is not None:
                program, outcome = kept
                path = os.path.join(args.out, "%s_%06d.py" % (status, seed))
                with open(path, "w") as fh:
                    fh.write(runner.report(outcome))
                if status in ("wrong", "error"):
                    groups[shrink.signature(outcome)].append((len(program.source), seed, program, outcome))
            now = time.time()
            if now - last >= args.progress or n == args.programs:
                last = now
                print("[%d/%d] ok %d, wrong %d, refused %d, errors %d, invalid %d  (%.1f programs/s)" % (
                    n, args.programs, counts["ok"], counts["wrong"], counts["refused"], counts["error"],
                    counts["invalid"], n / (now - start)), flush=True)

    print("\nrefusals (a program can have several; counted per check: grad, vjp, jvp):")
    for msg, k in refusals.most_common(20):
        print("  %6d  %s  (e.g. seed %d)" % (k, msg, examples[msg]))
    if groups:
        print("\n%d distinct failure signatures:" % len(groups))
    for sig, members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        members.sort(key=lambda m: m[0])
        _, seed, program, outcome = members[0]
        print("  %4d x %s  (e.g. seed %d)" % (len(members), _sig_text(sig), seed))
        if not args.no_shrink:
            small, small_out = shrink.shrink(program, outcome, budget_seconds=args.shrink_seconds)
            name = "minimal_%s_%06d.py" % (sig[0], seed)
            with open(os.path.join(args.out, name), "w") as fh:
                fh.write(runner.report(small_out))
            print("        shrunk to %d lines -> %s" % (small.source.count("\n"), os.path.join(args.out, name)))
    try:
        generated, missing = generator.registry_coverage()
        print("\nrule registry: %d NumPy/math rules generated; differentiable ones never generated (%d): %s"
              % (len(generated), len(missing), ", ".join(missing) or "none"))
    except Exception as exc:  # noqa: BLE001 - informational only
        print("rule registry coverage unavailable: %s" % exc)
    if by_feature:
        print("\nissue-15 features (programs using each: ok / refused / wrong / error / invalid):")
        for feat in NEW_FEATURES:
            k = by_feature.get(feat)
            if k:
                print("  %-14s %5d / %5d / %5d / %5d / %5d" % (feat, k["ok"], k["refused"], k["wrong"], k["error"],
                                                              k["invalid"]))
    print("invalid (generator could not make a valid program / plain program misbehaved): %d" % counts["invalid"])
    print("elapsed: %.0f s" % (time.time() - start))
    print("programs: %d, wrong: %d, refused: %d, errors: %d" % (
        sum(counts.values()), counts["wrong"], counts["refused"], counts["error"]))
    return 1 if counts["wrong"] or counts["error"] else 0


def _sig_text(sig):
    status, bad = sig
    return "%s in %s" % (status, ", ".join("%s%s" % (check, " (%s)" % exc if exc else "") for _, check, exc in bad))


if __name__ == "__main__":
    sys.exit(main())
