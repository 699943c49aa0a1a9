"""The README and the documentation pages (docs/) say what the code does.

The README keeps the two commands and stays short; its links work on GitHub; its example runs.
Every command a page shows with its output (`$ srcdiff ...` transcripts, the `--stages` output in
How it works, the quick start's generated code) produces that output today.
"""
import os
import re
import shlex
import subprocess
import sys

import pytest


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")


def read(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as f:
        return f.read()


def blocks(text):
    """The fenced code blocks of a Markdown text, in order, without their fences."""
    return [m.group(1) for m in re.finditer(r"^```[a-z]*\n(.*?)^```$", text, re.M | re.S)]


def run_srcdiff(command):
    """Run a `srcdiff ...` command line from the repository's root; (exit status, stdout + stderr)."""
    argv = [sys.executable, "-m", "srcdiff"] + shlex.split(command)[1:]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def run_script(tmp_path, code):
    """Run ``code`` as a script file (srcdiff reads function source from files); its stdout."""
    script = tmp_path / "snippet.py"
    script.write_text(code)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def same_output(out, expected):
    """Output equal to what a page shows, except the error digits of check_grad's report, which
    depend on the machine's arithmetic ("check_grad: 8 comparisons" must agree)."""
    def key(text):
        return [line.split(",")[0] if line.startswith("check_grad:") else line for line in text.rstrip().splitlines()]
    return key(out) == key(expected)


# ----------------------------------------------------------------------------- README

def test_readme_keeps_the_two_commands_and_stays_short():
    readme = read("README.md")
    assert "python -m pip install . && python examples/train_mlp.py\n" in blocks(readme)
    assert 'python -m pip install ".[test]" && python -m pytest\n' in blocks(readme)
    assert len(readme.splitlines()) < 250


def test_readme_and_page_links_point_at_files_that_exist():
    pages = [os.path.join(ROOT, "README.md")] + [os.path.join(d, f) for d, _, fs in os.walk(DOCS)
                                                 for f in fs if f.endswith(".md")]
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"`[^`\n]*`", "", text)  # code spans hold Python, not links (``d["f"](x)``)
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" not in target:
                assert os.path.exists(os.path.join(os.path.dirname(page), target)), (page, target)


def test_every_page_is_in_the_site_navigation():
    nav = read("mkdocs.yml")
    for d, _, files in os.walk(DOCS):
        for f in files:
            if f.endswith((".md", ".ipynb")):
                assert os.path.relpath(os.path.join(d, f), DOCS) in nav, f


def test_readme_example_runs(tmp_path):
    example = next(b for b in blocks(read("README.md")) if "@srcdiff.grad" in b)
    assert len([line for line in example.splitlines() if line.strip()]) <= 10
    out = run_script(tmp_path, example)
    assert out.startswith("def grad_loss(w, X, y):\n    # reverse mode: d(loss)/d(w)\n")


# ----------------------------------------------------------------------------- docs pages

def test_quick_start_prints_the_code_it_shows(tmp_path):
    page = blocks(read("docs", "getting-started.md"))
    code = next(b for b in page if b.startswith("import numpy as np") and "check_grad" in b)
    shown = page[page.index(code) + 1]
    out = run_script(tmp_path, code)
    assert same_output(out, shown)
    decay = next(b for b in page if b.startswith("def decay("))
    assert run_script(tmp_path, "import numpy as np\nimport srcdiff\n\n" + decay) == \
        page[page.index(decay) + 1] + "\n"


def test_forward_mode_page_example(tmp_path):
    page = blocks(read("docs", "user-guide", "forward-and-higher-order.md"))
    assert run_script(tmp_path, page[0]) == "True\n"
    tangent, hvp = [b for b in page if b.startswith(("def f_tangent(", "def grad_f_tangent("))]
    out = run_script(tmp_path, "import numpy as np\nimport srcdiff\n\ndef f(x):\n    return np.sum(np.sin(x) * x)\n\n"
                               "print(srcdiff.forward(f).source)\nprint(srcdiff.hvp(f).source_for(np.ones(3)))\n")
    assert out == tangent + "\n" + hvp + "\n"


def test_custom_rules_page_prints_what_it_shows(tmp_path):
    page = blocks(read("docs", "user-guide", "custom-rules.md"))
    programs = [b for b in page if b.startswith("import numpy as np")]
    assert len(programs) == 2
    softplus, erfcx = programs
    assert same_output(run_script(tmp_path, softplus), page[page.index(softplus) + 1])
    pytest.importorskip("scipy")
    out = run_script(tmp_path, erfcx).replace(str(tmp_path / "snippet.py"), "/tmp/rules_demo.py")
    assert same_output(out, page[page.index(erfcx) + 1])


def transcripts(text):
    """(command, expected output) for every `$ srcdiff ...` line of a page."""
    out = []
    for block in blocks(text):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            out.append((command, output.rstrip("\n")))
    return out


TRANSCRIPTS = transcripts(read("docs", "user-guide", "command-line.md"))


@pytest.mark.parametrize("command, expected", TRANSCRIPTS, ids=[c.split(" --")[0] for c, _ in TRANSCRIPTS])
def test_command_line_transcripts(command, expected):
    status, out = run_srcdiff(command)
    assert status == (2 if command.endswith(":los") else 0)
    if "coverage" in command:  # the last line counts every rule and grows as rules are added
        out, expected = out.rstrip().rsplit("\n", 1)[0], expected.rsplit("\n", 1)[0]
        assert out.rstrip() == expected.rstrip()
    else:
        assert same_output(out, expected)


def test_how_it_works_shows_the_stages_its_commands_print():
    page = read("docs", "how-it-works.md")
    shown = blocks(page)
    commands = re.findall(r"`(srcdiff show docs/snippets/pipeline\.py:[^`]+)`", page)
    assert len(commands) == 3
    for command, expected in zip(commands, [shown[2], shown[3], shown[4]]):
        status, out = run_srcdiff(command)
        assert status == 0
        assert expected.strip() in out, command
