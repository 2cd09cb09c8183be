"""PMIDs from a PubMed citation export (``.nbib``, MEDLINE format), read with Bio.Medline."""

from __future__ import annotations

from pathlib import Path

from Bio import Medline


class NbibError(ValueError):
    """The file is not a MEDLINE citation export with PubMed ids; the message says which."""


def pmids_from_nbib(path: Path) -> list[str]:
    """The PMIDs of the records in a PubMed citation export, in file order, once each."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as handle:
            records = list(Medline.parse(handle))
    except OSError as exc:
        raise NbibError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    pmids = [str(r.get("PMID", "")).strip() for r in records]
    if not records or not all(p.isdigit() for p in pmids):
        raise NbibError(f"{path}: not a PubMed citation export (MEDLINE records with PMID)")
    return list(dict.fromkeys(pmids))
