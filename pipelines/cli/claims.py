"""Commands for writers and the director: ``cite``, ``publish`` and ``claims``."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pipelines.cli.io import output_stream

CITE_FORMATS = ("ama", "ris", "bibtex", "csljson")


def pmid_arg(text: str) -> str:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"a PMID is digits only, got {text!r}")
    return text.strip()


def read_stored_articles(db_path: Path, pmids: Sequence[str]) -> list[Any]:
    """Stored records, read from the published snapshot so the nightly writer is never blocked;
    from the live file (read-only) only while no snapshot has been published yet."""
    from warehouse.db import Warehouse, snapshot_path

    snapshot = snapshot_path(db_path)
    source = snapshot if snapshot.exists() else Path(db_path)
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}")
    warehouse = Warehouse.open_when_free(source, read_only=True, wait_seconds=30.0)
    if warehouse is None:
        raise TimeoutError(f"{source} stayed locked by another process for 30 s")
    with warehouse:
        return warehouse.articles(list(pmids))


def format_citations(articles: Sequence[Any], fmt: str) -> str:
    """The articles as one text in a CITE_FORMATS format."""
    from claims.citations import format_ama, to_bibtex, to_csl_json, to_ris

    if fmt == "ama":
        return "".join(f"{format_ama(article)}\n" for article in articles)
    if fmt == "ris":
        return to_ris(articles)
    if fmt == "bibtex":
        return to_bibtex(articles)
    return json.dumps(to_csl_json(articles), ensure_ascii=False, indent=2) + "\n"


def cmd_cite(args: argparse.Namespace) -> int:
    """Print citations for PMIDs in the order given; unknown PMIDs are named on stderr (exit 1)
    and the known ones are still written."""
    from core.settings import Settings

    pmids = list(dict.fromkeys(args.pmids))
    db_path = Settings.from_env(db_path=args.db).db_path
    try:
        stored = {a.pmid: a for a in read_stored_articles(db_path, pmids)}
    except (FileNotFoundError, TimeoutError) as exc:
        print(f"cite: {exc}", file=sys.stderr)
        return 1
    unknown = [p for p in pmids if p not in stored]
    deleted = [p for p in pmids if p in stored and stored[p].deleted]
    articles = [stored[p] for p in pmids if p in stored and not stored[p].deleted]
    for article in articles:
        if article.retracted or article.concern:
            notice = "retracted" if article.retracted else "under an expression of concern"
            print(f"cite: warning: PMID {article.pmid} is {notice}", file=sys.stderr)
    if unknown:
        print(f"cite: not in the warehouse: PMID {', '.join(unknown)}", file=sys.stderr)
    if deleted:
        print(f"cite: deleted from PubMed: PMID {', '.join(deleted)}", file=sys.stderr)
    if articles:
        with ExitStack() as stack:
            output_stream(args.out, stack).write(format_citations(articles, args.format))
    return 1 if unknown or deleted else 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the public site (HTML and JSON per approved claim) to OUTDIR as a new version,
    from the claims as every decision so far leaves them."""
    from claims.refresh import publish_site

    try:
        settings = _settings(args)
        if not settings.db_path.exists():
            raise FileNotFoundError(f"no warehouse at {settings.db_path}")
        update = publish_site(settings.db_path, settings.claims_file, args.outdir)
    except _errors() as exc:  # a folder that is not our site is a FileExistsError
        return _fail("publish", exc)
    _notes("publish", update.unmerged, update.site.kept, update.site.replaced)
    version = update.site.version
    print(
        f"Published {update.claims} approved claims to {update.site.outdir} "
        f"(version {version.parent.name}/{version.name})"
    )
    return 0


def _notes(command: str, unmerged: int, kept: Sequence[str], replaced: Sequence[str]) -> None:
    """What a user must know about a publish, on standard error: never stale silently."""
    if unmerged:
        print(
            f"{command}: the warehouse is busy (the nightly job?); {unmerged} decisions not yet "
            "merged were applied from the dashboard's inbox",
            file=sys.stderr,
        )
    if kept:
        print(
            f"{command}: kept {len(kept)} files publish did not write: {', '.join(kept)}",
            file=sys.stderr,
        )
    if replaced:
        print(
            f"{command}: replaced {', '.join(replaced)}, changed by hand since the last "
            "publish (the changed copy stays in the previous version)",
            file=sys.stderr,
        )


# --- the claims command -----------------------------------------------------------------------


def add_claims_parser(sub: Any) -> Any:
    """``claims list|show|approve|withdraw|judge|add``; returns the actions, for
    the commands defined elsewhere (``dossier``)."""
    p = sub.add_parser("claims", help="the claim workflow: list, show, approve, withdraw")
    actions = p.add_subparsers(dest="claims_command", required=True, metavar="ACTION")
    for name, help_text in (
        ("list", "every claim: status, support and studies"),
        ("show", "one claim: wording, support, studies, approval and decisions"),
        ("approve", "approve a claim's wording and citations (medical directors)"),
        ("withdraw", "take a claim off the site (medical directors)"),
        ("judge", "judge a study for a claim (reviewers and medical directors)"),
        ("add", "add studies the queries missed to a claim's candidates, by PMID or .nbib"),
    ):
        a = actions.add_parser(name, help=help_text)
        a.set_defaults(func=COMMANDS[name])
        if name in ("judge", "add"):
            _add_judging_args(a, name)
            continue
        a.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
        if name in ("list", "show"):
            a.add_argument("--json", action="store_true", help="JSON for scripts")
        if name != "list":
            a.add_argument("claim_id", metavar="ID")
        if name in ("approve", "withdraw"):
            a.add_argument("--by", required=True, metavar="EMAIL", help="a medical director")
            a.add_argument("--reason", required=True, help="why, for the record")
        if name == "approve":
            a.add_argument("--override", metavar="REASON", help="approve weak support anyway")
            a.add_argument("--wording", metavar="TEXT", help="approve this wording instead")
            a.add_argument("--cite", type=pmid_list, metavar="PMID,...", help="cite these")
    return actions


def _add_judging_args(a: Any, name: str) -> None:
    from core.claim import VERDICTS

    a.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    a.add_argument("claim_id", metavar="ID")
    a.add_argument("--by", required=True, metavar="EMAIL", help="a reviewer or medical director")
    if name == "judge":
        a.add_argument("pmid", type=pmid_arg, metavar="PMID")
        a.add_argument("verdict", choices=VERDICTS)
        a.add_argument("--note", default="", help="why, for the record")
    else:
        a.add_argument("pmids", type=pmid_arg, nargs="*", metavar="PMID")
        a.add_argument("--nbib", type=Path, metavar="FILE", help="a PubMed citation export")


def pmid_list(text: str) -> list[str]:
    pmids = [p for p in re.split(r"[\s,;]+", text) if p]
    bad = [p for p in pmids if not p.isdigit()]
    if bad:
        raise argparse.ArgumentTypeError(f"a PMID is digits only, got {bad[0]!r}")
    return list(dict.fromkeys(pmids))


def _settings(args: argparse.Namespace) -> Any:
    from core.settings import Settings

    return Settings.from_env(db_path=getattr(args, "db", None))


def _errors() -> tuple[type[BaseException], ...]:
    """What a claims command reports in one line: bad input or a refusal, never a bug."""
    from claims.decisions import DecisionRefused
    from claims.nbib import NbibError
    from claims.registry import RegistryError
    from claims.state import UnknownClaim
    from core.settings import SettingsError
    from pubmed.replies import EutilsError

    return (
        OSError,
        RegistryError,
        SettingsError,
        DecisionRefused,
        UnknownClaim,
        NbibError,
        EutilsError,
    )


def _fail(command: str, exc: BaseException) -> int:
    print(f"{command}: {exc}", file=sys.stderr)
    return 1


def _state(args: argparse.Namespace, claim_id: str | None = None) -> Any:
    from claims.registry import load_claims
    from claims.state import read_state

    settings = _settings(args)
    return read_state(settings.db_path, load_claims(settings.claims_file), claim_id=claim_id)


def cmd_claims_list(args: argparse.Namespace) -> int:
    """Every claim with its status, support and studies by design, decisions so far applied."""
    from claims.state import supports

    try:
        state = _state(args)
    except _errors() as exc:
        return _fail("claims list", exc)
    rows: list[dict[str, Any]] = [
        {
            "claim_id": s.claim_id,
            "status": s.status,
            "support": s.support,
            "studies": sum(s.counts_by_design.values()),
            "counts_by_design": s.counts_by_design,
            "grade": s.grade,
        }
        for s in supports(state)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'CLAIM':<32} {'STATUS':<10} {'SUPPORT':<13} {'STUDIES':>7}  BY DESIGN")
        for r in rows:
            designs = ", ".join(f"{k} {v}" for k, v in r["counts_by_design"].items()) or "-"
            print(
                f"{r['claim_id']:<32} {r['status']:<10} {r['support']:<13} "
                f"{r['studies']:>7}  {designs}"
            )
    _notes("claims list", state.pending, (), ())
    return 0


def cmd_claims_show(args: argparse.Namespace) -> int:
    """One claim in full: wording, support, studies, the approval it stands on, decisions."""
    from claims.state import describe

    try:
        record = describe(_state(args, args.claim_id), args.claim_id)
    except _errors() as exc:
        return _fail("claims show", exc)
    if args.json:
        print(json.dumps(record, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(show_text(record))
    return 0


def show_text(record: dict[str, Any]) -> str:
    """``claims show`` for people: the fields that matter, one a line."""
    support = record["support"]
    lines = [
        f"{record['claim_id']}: {record['wording']}",
        f"  status {record['status']} · GRADE {record['grade'] or 'not set'} · page "
        f"{record['page'] or '-'}",
        f"  support {support['status']} · CEBM level {support['cebm_level'] or '-'} · "
        f"{support['studies']} studies, {support['participants']} participants",
        f"  cited: {', '.join(record['cited_pmids']) or 'none'}",
        f"  recommended: {', '.join(support['recommended']) or 'none'}",
    ]
    approval = record["approval"]
    if approval:
        where = approval["channel"] or "?"
        lines.append(
            f"  approved by {approval['by']} on {approval['at'][:16]} ({where}): "
            f"{approval['reason']}"
        )
        if approval["override_reason"]:
            lines.append(f"  override ({support['status']} support): {approval['override_reason']}")
    lines.append("  studies:")
    for s in record["studies"]:
        flag = " RETRACTED" if s["retracted"] else " (concern)" if s["concern"] else ""
        lines.append(
            f"    {s['pmid']:>9} {s['design']:<14} {s['finding'] or 'none':<9} "
            f"{s['year'] or '':<5}{flag} {s['title'] or ''}"
        )
    lines.append("  decisions:")
    for d in record["decisions"]:
        lines.append(f"    {d['at'][:16]} {d['action']:<8} {d['by']}: {d['reason']}")
    return "\n".join(lines) + "\n"


def _decide(args: argparse.Namespace, action: str) -> int:
    """Capture the claim as it stands now, as a form would show it, and decide on it."""
    from claims.decisions import decide, form_state

    command = f"claims {action}"
    try:
        settings = _settings(args)
        shown = form_state(settings.db_path, args.claim_id, claims_file=settings.claims_file)
        done = decide(
            settings.db_path,
            claim_id=args.claim_id,
            action=action,
            by=args.by,
            reason=args.reason,
            shown=shown,
            wording=getattr(args, "wording", None),
            cited_pmids=getattr(args, "cite", None),
            override=getattr(args, "override", None),
            channel="cli",
            settings=settings,
        )
    except _errors() as exc:
        return _fail(command, exc)
    event = done.event
    what = "approved" if action == "approve" else "withdrawn"
    print(f"Claim {event.claim_id} {what} by {event.reviewer}.")
    if action == "approve":
        print(f"  wording: {event.wording}")
        print(f"  cited: PMID {', '.join(event.cited_pmids or ()) or 'none'}")
        if event.override_reason:
            print(f"  override ({shown.support} support): {event.override_reason}")
    if not done.merged:
        print(f"{command}: the warehouse is busy; the nightly job merges it", file=sys.stderr)
    if done.site is not None:
        print(f"  site republished: {done.site.outdir} ({done.site.version.name})")
    if done.site_error:
        print(f"{command}: the site was not republished: {done.site_error}", file=sys.stderr)
    return 0


def cmd_claims_approve(args: argparse.Namespace) -> int:
    return _decide(args, "approve")


def cmd_claims_withdraw(args: argparse.Namespace) -> int:
    return _decide(args, "withdraw")


def cmd_claims_judge(args: argparse.Namespace) -> int:
    """A reviewer's or director's judgement of one candidate study for a claim."""
    from claims.judgements import judge

    try:
        settings = _settings(args)
        done = judge(
            settings.db_path,
            claim_id=args.claim_id,
            pmid=args.pmid,
            verdict=args.verdict,
            by=args.by,
            note=args.note,
            settings=settings,
        )
    except _errors() as exc:
        return _fail("claims judge", exc)
    j = done.judgement
    print(f"PMID {j.pmid} judged {j.verdict} for {j.claim_id} by {j.reviewer}.")
    if not done.merged:
        print("claims judge: the warehouse is busy; the nightly job merges it", file=sys.stderr)
    return 0


def cmd_claims_add(args: argparse.Namespace) -> int:
    """Fetch, label and add studies to a claim's candidates, marked as added by hand."""
    from claims.nbib import pmids_from_nbib
    from pipelines.claims_flow import add_studies

    try:
        pmids = list(args.pmids)
        if args.nbib is not None:
            pmids += pmids_from_nbib(args.nbib)
        if not pmids:
            raise ValueError("name PMIDs or a citation export (--nbib FILE)")
        source = f"nbib:{args.nbib.name}" if args.nbib is not None else "pmid"
        added, missing = add_studies(
            _settings(args), args.claim_id, list(dict.fromkeys(pmids)), args.by, source
        )
    except (ValueError, TimeoutError, *_errors()) as exc:  # type: ignore[misc]
        return _fail("claims add", exc)
    if added:
        print(f"Added PMID {', '.join(added)} to {args.claim_id}'s candidates (by hand).")
    if missing:
        print(f"claims add: not found in PubMed: PMID {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


def cmd_claims_later(args: argparse.Namespace) -> int:
    """``dossier`` comes with the evidence dossiers, in a later release."""
    print(f"claims {args.claims_command}: not yet available", file=sys.stderr)
    return 2


COMMANDS = {
    "list": cmd_claims_list,
    "show": cmd_claims_show,
    "approve": cmd_claims_approve,
    "withdraw": cmd_claims_withdraw,
    "judge": cmd_claims_judge,
    "add": cmd_claims_add,
}
