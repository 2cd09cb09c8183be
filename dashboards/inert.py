"""Text from outside shown exactly as written, never as Markdown or HTML.

Titles, abstracts and key findings come from PubMed's records; notes, reasons and claim wording
from people; e-mails from a sign-in. Streamlit renders Markdown in titles, captions, alerts and
every cell of ``st.table``, so an abstract's ``![x](https://tracker/pixel.png)`` would make the
reviewer's browser fetch it. So such text goes to ``st.text`` or ``st.dataframe`` (never
parsed), or HTML-escaped into ``st.html`` (``text_html``, ``table_html``: no Markdown runs
there at all), and
only short fragments (an e-mail, a path) through ``escape_markdown`` into a Markdown message:
Markdown still turns a bare URL or e-mail there into a link, which escaping cannot prevent.
Pure functions.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import pandas as pd

# Every ASCII punctuation mark: CommonMark lets a backslash make each one literal, which also
# defuses HTML, links and images, autolinks (``http\://``), LaTeX ($) and Streamlit's
# directives (``:red[…]``).
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Emoji and icon shortcodes (``:100:``, ``:material/home:``) are found in the text after the
# escapes are undone, so break them with a zero-width space after the opening colon.
_SHORTCODE = re.compile(r":(?=[\w+/-]+:)")


def escape_markdown(text: Any) -> str:
    """The text as a Markdown fragment that renders to exactly these characters."""
    return _PUNCTUATION.sub(r"\\\1", _SHORTCODE.sub(":\u200b", str(text)))


def text_html(text: Any) -> str:
    """The text as HTML that shows exactly these characters (for ``st.html``)."""
    return html.escape(str(text), quote=True)


_TABLE = "width: 100%; border-collapse: collapse; font-size: 0.875rem; margin-bottom: 1rem"
_CELL = (
    "border: 1px solid rgba(128, 128, 128, 0.25); padding: 0.25rem 0.5rem; "
    "text-align: left; vertical-align: top"
)


def table_html(frame: pd.DataFrame) -> str:
    """The frame as an HTML table (for ``st.html``), every cell escaped: ``st.table`` would
    read each cell as Markdown, ``st.dataframe`` cuts long reasons short."""
    head = "".join(f'<th style="{_CELL}; opacity: 0.7">{text_html(c)}</th>' for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f'<td style="{_CELL}">{text_html(_cell(v))}</td>' for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _cell(value: Any) -> str:
    try:
        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):  # lists and arrays: not a single missing value
        pass
    if isinstance(value, datetime | pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)
