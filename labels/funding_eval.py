"""Precision and recall of ``labels.funding`` against hand labels.

    python -m labels.funding_eval LABELS.jsonl|DIR [...] [--data-dir DIR] [--errors N]

LABELS are JSON lines ``{"pmid", "funding", "industry_authors", ...}`` (a folder: every
``*.jsonl`` in it), as docs/funding-labelling-guide.md asks of its labellers. The
records themselves are read from the NLM files in ``--data-dir`` (default: the bundled
``data/pubmed``; plain or gzipped XML), by the project's own parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.article import Article
from core.settings import DATA_DIR
from labels.funding import FUNDING_VALUES, INDUSTRY_AUTHOR_VALUES, FundingReading, read_funding
from pubmed.files import open_xml
from pubmed.parser import PubmedXMLError, iter_records

FIELDS = {"funding": FUNDING_VALUES, "industry_authors": INDUSTRY_AUTHOR_VALUES}


class LabelError(ValueError):
    """The labels cannot be scored as given; the message says where and why."""


@dataclass(frozen=True)
class ValueScore:
    """How one value of a field fared: gold and predicted counts, and the ratios."""

    value: str
    gold: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def score(pairs: Sequence[tuple[str, str]], values: Sequence[str]) -> list[ValueScore]:
    """Per value, from (gold, predicted) pairs."""
    gold = Counter(g for g, _ in pairs)
    predicted = Counter(p for _, p in pairs)
    correct = Counter(g for g, p in pairs if g == p)
    return [ValueScore(v, gold[v], predicted[v], correct[v]) for v in values]


def read_labels(paths: Iterable[Path]) -> dict[str, dict[str, str]]:
    """Gold labels by PMID; a PMID labelled twice must carry the same labels both times."""
    gold: dict[str, dict[str, str]] = {}
    where: dict[str, str] = {}
    for path in _label_files(paths):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            here = f"{path}:{number}"
            labels = _label_line(line, here)
            pmid = labels.pop("pmid")
            if pmid in gold and gold[pmid] != labels:
                raise LabelError(
                    f"{here}: PMID {pmid} is labelled differently in {where[pmid]}; "
                    "adjudicate before scoring"
                )
            gold[pmid], where[pmid] = labels, here
    if not gold:
        raise LabelError("no labels found in " + ", ".join(map(str, paths)))
    return gold


def _label_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            files.append(path)
        else:
            raise LabelError(f"{path}: no such file or folder")
    return files


def _label_line(line: str, here: str) -> dict[str, str]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelError(f"{here}: not a JSON line ({exc.msg})") from None
    if not isinstance(data, dict) or not str(data.get("pmid", "")).isdigit():
        raise LabelError(f"{here}: expected an object with a numeric pmid")
    labels = {"pmid": str(data["pmid"])}
    for field, values in FIELDS.items():
        if data.get(field) not in values:
            raise LabelError(
                f"{here}: {field} must be one of {', '.join(values)}, got {data.get(field)!r}"
            )
        labels[field] = data[field]
    return labels


def find_records(pmids: Iterable[str], data_dir: Path) -> dict[str, Article]:
    """The labelled records, parsed from the NLM files of data_dir."""
    wanted = set(pmids)
    files = sorted(p for p in data_dir.iterdir() if p.name.endswith((".xml", ".xml.gz")))
    if not files:
        raise LabelError(f"{data_dir}: no PubMed XML files (.xml, .xml.gz) to read records from")
    found: dict[str, Article] = {}
    for path in files:
        try:
            with open_xml(path) as stream:
                for record in iter_records(stream):
                    if isinstance(record, Article) and record.pmid in wanted:
                        found.setdefault(record.pmid, record)
        except (PubmedXMLError, OSError, EOFError) as exc:
            raise LabelError(f"{path}: {exc}") from None
    missing = sorted(wanted - set(found), key=int)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise LabelError(f"{len(missing)} labelled PMIDs are not in {data_dir}: {shown}")
    return found


def format_report(
    gold: Mapping[str, Mapping[str, str]], readings: Mapping[str, FundingReading], errors: int
) -> str:
    """Per field: accuracy, then precision, recall and F1 per value, and the confusions."""
    lines = [f"{len(gold)} labelled records"]
    for field, values in FIELDS.items():
        pairs = [(gold[p][field], getattr(readings[p], field)) for p in gold]
        right = sum(g == p for g, p in pairs)
        lines += ["", f"{field}: accuracy {right / len(pairs):.3f} ({right}/{len(pairs)})"]
        lines.append(_HEADER)
        for s in score(pairs, values):
            lines.append(
                f"  {s.value:12} {s.gold:>5} {s.predicted:>5} {_ratio(s.precision):>10}"
                f" {_ratio(s.recall):>7} {_ratio(s.f1):>6}"
            )
        confusions = Counter((g, p) for g, p in pairs if g != p)
        if confusions:
            lines.append("  confusions (gold -> predicted): " + ", ".join(
                f"{g} -> {p} {n}" for (g, p), n in confusions.most_common()
            ))  # fmt: skip
        lines += _errors(gold, readings, field, errors)
    return "\n".join(lines) + "\n"


_HEADER = f"  {'value':12} {'gold':>5} {'pred':>5} {'precision':>10} {'recall':>7} {'F1':>6}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _errors(
    gold: Mapping[str, Mapping[str, str]],
    readings: Mapping[str, FundingReading],
    field: str,
    limit: int,
) -> list[str]:
    wrong = [p for p in gold if gold[p][field] != getattr(readings[p], field)][:limit]
    lines = []
    for pmid in wrong:
        reading = readings[pmid]
        why = getattr(reading, f"{field}_evidence") or ("(no evidence)",)
        lines.append(
            f"  PMID {pmid}: gold {gold[pmid][field]}, read {getattr(reading, field)}: "
            + " | ".join(w[:160] for w in why[:3])
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labels.funding_eval", description=__doc__)
    parser.add_argument("labels", nargs="+", type=Path, help="labelled JSONL files or folders")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR / "pubmed")
    parser.add_argument("--errors", type=int, default=0, help="show N misread records per field")
    args = parser.parse_args(argv)
    try:
        gold = read_labels(args.labels)
        records = find_records(gold, args.data_dir)
    except (LabelError, OSError) as exc:
        print(f"funding_eval: {exc}", file=sys.stderr)
        return 1
    readings = {pmid: read_funding(records[pmid]) for pmid in gold}
    sys.stdout.write(format_report(gold, readings, args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
