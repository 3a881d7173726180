"""Formulas typeset at build time as MathML, which browsers draw natively: the site
loads no math script from the network. Markdown pages mark formulas with arithmatex
(``$...$``, ``$$...$$``); notebooks' markdown cells keep them as they were typed."""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)
# a notebook's rendered markdown cell, and the formulas typed in it
MARKDOWN_CELL = re.compile(r'(<div class="[^"]*jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.S)
TYPED = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$", re.S)


def mathml(tex: str, display: str, where: str) -> str:
    """``tex`` as MathML; a formula it cannot typeset fails the build, naming the page."""
    try:
        return convert(html.unescape(tex).strip(), display=display)
    except Exception as error:  # latex2mathml raises its own types, one per fault
        raise PluginError(f"{where}: cannot typeset {tex!r}: {error}") from error


def on_page_content(text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """The page's formulas typeset."""
    where = page.file.src_uri
    text = BLOCK.sub(lambda m: mathml(m.group(1), "block", where), text)
    text = INLINE.sub(lambda m: mathml(m.group(1), "inline", where), text)
    if where.endswith(".ipynb"):

        def typed(match: re.Match[str]) -> str:
            block, inline = match.groups()
            return mathml(block, "block", where) if block else mathml(inline, "inline", where)

        text = MARKDOWN_CELL.sub(
            lambda m: m.group(1) + TYPED.sub(typed, m.group(2)) + m.group(3), text
        )
    return text
