"""What the command line shows when something fails: one line, tracebacks only with --debug.

Commands fail with one clear line on standard error and a non-zero exit. Prefect logs a task's
traceback on its console handler when the task fails; for the command line that handler gets a
formatter that keeps each record to its message and the exception's one-line summary (the
Prefect API still receives the whole record).
"""

from __future__ import annotations

import logging
import sys

DEBUG_FLAG = "--debug"


class UsageError(Exception):
    """Input the command cannot use; the message says what and is shown as it is."""


def describe(exc: BaseException) -> str:
    """One line for an exception: its message's first line, or its type when it has none."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    if isinstance(exc, KeyError | UsageError) and text.startswith(("'", '"')):
        text = text.strip("'\"")
    return text[:500] if text else type(exc).__name__


def report(command: str, exc: BaseException) -> int:
    """Print the failure as one line on stderr; return the exit status."""
    print(f"{command}: {describe(exc)}", file=sys.stderr)
    return 2 if isinstance(exc, UsageError) else 1


class OneLine(logging.Formatter):
    """Format as the wrapped formatter does, but with the exception as a short suffix."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text or record.stack_info):
            return self.inner.format(record)
        exc = record.exc_info[1] if record.exc_info else None
        bare = logging.makeLogRecord(record.__dict__)  # the original keeps its traceback
        bare.exc_info, bare.exc_text, bare.stack_info = None, None, None
        text = self.inner.format(bare)
        if exc is not None and type(exc).__name__ not in text:
            text += f" ({type(exc).__name__}: {describe(exc)})"
        return text


def _loggers() -> list[logging.Logger]:
    named = logging.Logger.manager.loggerDict.values()
    return [logging.getLogger(), *(x for x in named if isinstance(x, logging.Logger))]


def quiet_tracebacks() -> None:
    """Keep tracebacks out of every console log handler configured so far (Prefect's too)."""
    for logger in _loggers():
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler.formatter, OneLine
            ):
                handler.setFormatter(OneLine(handler.formatter))


def quiet_prefect(debug: bool) -> None:
    """Configure Prefect's logging now and, unless debugging, keep its tracebacks off the
    terminal; call before running a flow from the command line."""
    if debug:
        return
    import prefect.main  # noqa: F401  (sets up Prefect's logging, as importing a flow does)

    quiet_tracebacks()


def split_debug(argv: list[str]) -> tuple[list[str], bool]:
    """Take --debug out wherever it stands, so it works before or after the command."""
    return [a for a in argv if a != DEBUG_FLAG], DEBUG_FLAG in argv
