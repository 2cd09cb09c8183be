"""``claims dossier``: export the substantiation dossiers frozen at a claim's approvals."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def add_dossier_arguments(p: argparse.ArgumentParser) -> None:
    """The dossier subcommand's arguments (its parser is made beside the other claims ones)."""
    p.add_argument("claim_id", metavar="ID", nargs="?", help="the claim (with --all: optional)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="write the files here")
    p.add_argument(
        "--all",
        action="store_true",
        help="every dossier of the claim (of every claim without ID), not only the latest",
    )
    p.add_argument("--db", type=Path, help="the warehouse (default: $EVIDENCE_DB)")
    p.set_defaults(func=cmd_claims_dossier)


def cmd_claims_dossier(args: argparse.Namespace) -> int:
    """Write the dossier's JSON (byte for byte as frozen: its sha256 is the digest) and HTML."""
    from claims.dossier import read_dossiers
    from claims.registry import RegistryError, load_claims
    from claims.state import UnknownClaim
    from core.settings import Settings, SettingsError

    command = "claims dossier"
    try:
        if args.claim_id is None and not args.all:
            raise ValueError("name a claim ID, or pass --all for every claim's dossiers")
        settings = Settings.from_env(db_path=args.db)
        if not settings.db_path.exists():
            raise FileNotFoundError(f"no warehouse at {settings.db_path}")
        known = {c.claim_id for c in load_claims(settings.claims_file)}
        if args.claim_id is not None and args.claim_id not in known:
            raise UnknownClaim(args.claim_id)
        dossiers = read_dossiers(settings.db_path, args.claim_id)
        if not dossiers:
            what = f"claim {args.claim_id} has" if args.claim_id else "no claim has"
            raise LookupError(f"{what} no dossier: one is frozen when a claim is approved")
        chosen = dossiers if args.all else dossiers[-1:]
        written = [_export(d, args.out) for d in chosen]
    except (OSError, ValueError, LookupError, RegistryError, SettingsError, TimeoutError) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 1
    for dossier, (json_path, html_path) in zip(chosen, written, strict=True):
        print(f"{dossier.dossier_id} sha256 {dossier.sha256}")
        print(f"  {json_path}\n  {html_path}")
    return 0


def _export(dossier: Any, out: Path) -> tuple[Path, Path]:
    """The dossier's two files in out, each written whole (a temporary file renamed)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, data in ((".json", dossier.json_bytes()), (".html", dossier.html().encode())):
        path = out / f"{dossier.dossier_id}{suffix}"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        paths.append(path)
    return paths[0], paths[1]
