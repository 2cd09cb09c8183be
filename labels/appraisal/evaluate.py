"""Score the appraisal robots against the hand-labelled set; the one module here that reads files.

``python -m labels.appraisal.evaluate [--labels FILE_OR_DIR] [--half tune|report|all]``
prints precision and recall (primary outcome, time point, comparators, effects), agreement and
Cohen's kappa (bias hints, spin). The set is split in two halves by the SHA-256 of
``appraisal-split:<pmid>``: the rules were tuned on the lower half ("tune") only, so the
"report" half gives the honest figure. Records of the second round (chunks from ``a007``),
labelled after the rules were written, are all in the report half.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.article import Article, article_from_json
from labels.appraisal.appraise import appraise
from labels.appraisal.scoring import score
from labels.appraisal.types import Appraisal
from pubmed.parser import parse_record, split_records

DATA = Path(__file__).resolve().parents[2] / "data"
LABELS = DATA / "labels" / "appraisal-labels.jsonl"


SECOND_ROUND = "a007"  # the first chunk labelled after the rules were written


def split_half(labels: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, str]:
    """``tune`` for the lower half of the first round by SHA-256, ``report`` for the rest."""
    later = {p for p, rows in labels.items() if any(_second_round(r) for r in rows)}
    order = sorted(
        set(labels) - later,
        key=lambda p: hashlib.sha256(f"appraisal-split:{p}".encode()).hexdigest(),
    )
    halves = {
        p: ("tune" if i < len(order) // 2 + len(order) % 2 else "report")
        for i, p in enumerate(order)
    }
    return halves | dict.fromkeys(later, "report")


def _second_round(row: Mapping[str, Any]) -> bool:
    chunk = str(row.get("chunk") or "")
    return bool(re.fullmatch(r"a\d{3}", chunk)) and chunk >= SECOND_ROUND


def read_labels(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Labeller rows per PMID, from one JSONL file or a folder of ``<labeller>/aNNN.jsonl``."""
    files = sorted(path.glob("*/a*.jsonl")) if path.is_dir() else [path]
    rows: dict[str, list[dict[str, Any]]] = {}
    for file in files:
        for line in file.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                row.setdefault("labeller", file.parent.name)
                rows.setdefault(str(row["pmid"]), []).append(row)
    return rows


def read_articles(pmids: set[str], data: Path = DATA) -> dict[str, Article]:
    """The records behind the labels: the labelled corpus and the bundled ketamine XML."""
    found: dict[str, Article] = {}
    with gzip.open(data / "labels" / "corpus-records.jsonl.gz", "rt") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["pmid"] in pmids:
                found[rec["pmid"]] = article_from_json(rec)
    with (data / "ketamine" / "ketamine-records.xml").open("rb") as fh:
        for chunk in split_records(fh):
            art = parse_record(chunk)
            if isinstance(art, Article) and art.pmid in pmids:
                found[art.pmid] = art
    return found


def read_study_labels(data: Path = DATA) -> dict[str, dict[str, Any]]:
    """The gold finding and design per PMID (adjudicated, else seed, else labeller row)."""
    rank = {"adjudicated": 0, "seed": 1}
    best: dict[str, dict[str, Any]] = {}
    for name in ("seed-labels.jsonl", "corpus-labels.jsonl"):
        for line in (data / "labels" / name).read_text().splitlines():
            row = json.loads(line)
            source = row.get("source", "seed")
            old = best.get(row["pmid"])
            if old is None or rank.get(source, 2) < rank.get(old.get("source", "seed"), 2):
                best[row["pmid"]] = row
    return best


def predicted_row(appraisal: Appraisal) -> dict[str, Any]:
    """The robots' answer in the labelling template's shape."""
    js = appraisal.to_json()
    primary = js["primary_outcome"]
    return {
        "pmid": appraisal.pmid,
        "primary_outcome": primary["measure"] if primary else None,
        "time_point": primary["time_point"] if primary else None,
        "comparator": [c["kind"] for c in js["comparator"]],
        "effects": js["effects"],
        "bias": {d["domain"]: d["level"] for d in js["bias_hints"]["domains"]},
        "spin": js["spin"] is not None,
    }


_REQUIRED = ("primary_outcome", "time_point", "comparator", "effects", "bias", "spin")


class LabelError(ValueError):
    """A labels file that cannot be scored, with a message fit for one line on stderr."""


def load_labels(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Read and check the labels; every problem becomes one LabelError."""
    if not path.exists():
        raise LabelError(f"no labels at {path}")
    try:
        labels = read_labels(path)
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise LabelError(f"{path}: not a labels file ({exc})") from None
    for pmid, rows in labels.items():
        for row in rows:
            if missing := [k for k in _REQUIRED if k not in row]:
                raise LabelError(f"{path}: PMID {pmid} lacks {', '.join(missing)}")
    return labels


def predict(pmids: set[str]) -> dict[str, dict[str, Any]]:
    """The robots' rows for the PMIDs, given each record's gold finding and design."""
    articles = read_articles(pmids)
    if missing := sorted(pmids - set(articles)):
        raise LabelError(f"no record text for {len(missing)} labelled PMIDs, e.g. {missing[0]}")
    study = read_study_labels()
    out = {}
    for pmid in sorted(pmids):
        lab = study.get(pmid, {})
        found = appraise(articles[pmid], finding=lab.get("finding"), design=lab.get("design"))
        out[pmid] = predicted_row(found)
    return out


def _is_ketamine(article: Article) -> bool:
    return bool(re.search(r"(?i)ketamine", f"{article.title} {article.abstract}"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labels.appraisal.evaluate", description=__doc__
    )
    parser.add_argument(
        "--labels", type=Path, default=LABELS, help="JSONL file or labeller folders"
    )
    parser.add_argument("--half", choices=("tune", "report", "all"), default="report")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument(
        "--ketamine", choices=("only", "none"), help="keep only, or leave out, ketamine records"
    )
    args = parser.parse_args(argv)
    try:
        labels = load_labels(args.labels)
        halves = split_half(labels)
        pmids = {p for p in labels if args.half == "all" or halves[p] == args.half}
        if args.ketamine:
            keep = args.ketamine == "only"
            pmids = {p for p, a in read_articles(pmids).items() if _is_ketamine(a) == keep}
        predicted = predict(pmids)
    except LabelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    figures = score([(predicted[p], labels[p]) for p in sorted(pmids)])
    half = "all" if args.half == "all" else f"{args.half} half"
    figures["half"] = half + (f", ketamine {args.ketamine}" if args.ketamine else "")
    figures["records"] = len(pmids)
    print(render(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


def render(f: Mapping[str, Any]) -> str:
    """The figures as a short plain-text report."""
    out = [f"appraisal rules vs hand labels: {f['records']} records ({f['half']})", ""]
    out.append(f"{'field':<34}{'P':>7}{'R':>7}{'F1':>7}{'n gold':>8}")
    for name, m in f["prf"].items():
        out.append(
            f"{name:<34}{m['precision']:>7.3f}{m['recall']:>7.3f}{m['f1']:>7.3f}{m['gold']:>8}"
        )
    out += ["", f"{'bias hint (rct rows)':<34}{'agree':>7}{'kappa':>7}{'n':>8}{'majority':>10}"]
    for name, m in f["agreement"].items():
        kappa = "   n/a" if m["kappa"] is None else f"{m['kappa']:>7.3f}"
        out.append(f"{name:<34}{m['agreement']:>7.3f}{kappa:>7}{m['n']:>8}{m['majority']:>10.3f}")
    out += ["", "among matched effects (measure and value):"]
    for name, m in f["matched_effects"].items():
        acc = "n/a" if m["accuracy"] is None else f"{m['accuracy']:.3f}"
        out.append(f"  {name} agrees: {acc} of {m['n']}")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
