"""``python -m tests.programs``: a table of how srcdiff does on every program case, in both modes."""
import argparse
import re
import sys
import warnings

from tests.programs.harness import MODES, PROGRAMS, cases_of, load, run


def cell(result, width):
    detail = re.sub(r"(\S+/)?([^/\s]+\.py):(\d+): ", r"\2:\3: ", result.detail)  # the file's name only
    text = result.status if result.status == "ok" else "%s (%s)" % (result.status, detail)
    return text if width is None or len(text) <= width else text[:width - 3] + "..."


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.programs", description=__doc__)
    parser.add_argument("-k", default="", help="only programs or cases whose name contains this")
    parser.add_argument("--width", type=int, default=100, help="cut each cell to this many characters (0: no cut)")
    opts = parser.parse_args(argv)
    width = opts.width or None
    counts = {"programs": 0, "cases": 0, "reverse": 0, "forward": 0, "wrong": 0, "crash": 0}
    print("%-18s %-38s %-*s | %s" % ("program", "case", width or 40, "reverse", "forward"))
    for name in PROGRAMS:
        module = load(name)
        if module is None:
            print("%-18s (skipped: scipy is not installed)" % name)
            continue
        shown = False
        for case in cases_of(module):
            if opts.k not in name and opts.k not in case.name:
                continue
            shown = True
            counts["cases"] += 1
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = {mode: run(case, mode) for mode in MODES}
            for mode in MODES:
                counts[mode] += results[mode].status == "ok"
                counts["wrong"] += results[mode].status == "wrong"
                counts["crash"] += results[mode].status == "crash"
            print("%-18s %-38s %-*s | %s" % (name, case.name, width or 40, cell(results["reverse"], width),
                                             cell(results["forward"], width)))
            sys.stdout.flush()
        counts["programs"] += shown
    print("programs: %(programs)d, cases: %(cases)d, reverse ok: %(reverse)d, forward ok: %(forward)d, "
          "wrong: %(wrong)d, crash: %(crash)d" % counts)


if __name__ == "__main__":
    main()
