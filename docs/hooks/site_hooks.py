"""MkDocs hooks: doctest examples in docstrings (``>>>`` lines and their output) become Python code
blocks (plain Markdown would read ``>>>`` as three nested quotes), and links between pages inside
the notebook (``how-it-works.md``, which work on GitHub and in Jupyter) point at the site's pages."""
import posixpath
import re

from markdown import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

_PROMPT = re.compile(r"^(\s*)>>> ")


class _DoctestFences(Preprocessor):
    def run(self, lines):
        out, i, fenced = [], 0, False
        while i < len(lines):
            line = lines[i]
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else _PROMPT.match(line)
            if match is None:
                out.append(line)
                i += 1
                continue
            indent = match.group(1)
            out.append(indent + "```pycon")
            while i < len(lines) and lines[i].strip():  # a doctest example ends at a blank line
                out.append(lines[i])
                i += 1
            out.append(indent + "```")
        return out


class DoctestFences(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(_DoctestFences(md), "doctest_fences", 40)  # before fenced code (25-30)


@event_priority(100)  # before mkdocstrings reads the extensions for rendering docstrings
def on_config(config):
    config.markdown_extensions.append(DoctestFences())
    return config


_MD_LINK = re.compile(r'href="([^"/:#]+(?:/[^"/:#]+)*\.(?:md|ipynb))(#[^"]*)?"')


def on_page_content(html, page, config, files):
    """MkDocs rewrites .md links in Markdown pages, not in rendered notebooks: do it for those."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def site_link(match):
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), match.group(1)))
        target = files.get_file_from_path(path)
        if target is None:
            raise ValueError("%s links to %s, which is not a page of the site" % (page.file.src_uri, match.group(1)))
        return 'href="%s%s"' % (target.url_relative_to(page.file), match.group(2) or "")
    return _MD_LINK.sub(site_link, html)
