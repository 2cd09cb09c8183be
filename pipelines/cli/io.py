"""What every command shares: arguments, output files and JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import IO, Any


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from exc


def output_stream(path: str | None, stack: ExitStack) -> IO[str]:
    if path in (None, "-"):
        return sys.stdout
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return stack.enter_context(target.open("w", encoding="utf-8"))


# Characters that str.splitlines() treats as line ends although JSON leaves them unescaped.
_LINE_BREAKERS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def write_jsonl(out: IO[str], record: dict[str, Any]) -> None:
    """One record per line, even for readers that split on Unicode line separators."""
    out.write(json.dumps(record, ensure_ascii=False, default=str).translate(_LINE_BREAKERS))
    out.write("\n")
