"""Text from outside shown exactly as written, never as Markdown or HTML.

Titles, abstracts and key findings come from PubMed's records; notes, reasons and claim wording
from people; e-mails from a sign-in. Streamlit renders Markdown in titles, captions, alerts and
every cell of ``st.table``, so an abstract's ``![x](https://tracker/pixel.png)`` would make the
reviewer's browser fetch it. Such text goes to ``st.text`` or ``st.dataframe`` (never parsed),
or through ``escape_markdown`` into a Markdown element. Pure functions.
"""

from __future__ import annotations

import re
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


def inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for ``st.table`` (whose cells are Markdown) with every text cell escaped."""
    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == object:
            shown[column] = shown[column].map(
                lambda v: escape_markdown(v) if isinstance(v, str) else v
            )
    return shown
