"""What E-utilities answers: esearch and efetch bodies and errors, as NCBI writes them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from xml.sax.saxutils import escape

from pubmed.standin.records import StoredRecord

ESEARCH_CAP = 9999


PUBMED_PROLOG = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


ESEARCH_PROLOG = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD '
    'esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)


# NCBI's wording, as its servers send it (one line break after "Exception:").
RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more than "
    "9,999 PubMed records, consider using EDirect that contains additional logic to batch "
    "PubMed search results automatically so that an arbitrary number can be retrieved. For "
    "details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)


DATETYPES = ("edat", "crdt", "mdat", "pdat")


def newest_first(record: StoredRecord) -> tuple[int, str]:
    return (-int(record.pmid), "") if record.pmid.isdigit() else (1, record.pmid)


def dated_within(record: StoredRecord, datetype: str, lo: date | None, hi: date | None) -> bool:
    if lo is None or hi is None:
        return True
    when = record.dates.get(datetype)
    return when is not None and lo <= when <= hi


def date_window(p: Mapping[str, str]) -> tuple[str, date | None, date | None]:
    """The datetype and inclusive day range a search is limited to, if any."""
    datetype = p.get("datetype", "pdat").lower()
    if datetype not in DATETYPES:
        raise ValueError(f"unsupported datetype {datetype!r}")
    if p.get("reldate"):
        today = date.today()
        return datetype, today - timedelta(days=int(p["reldate"])), today
    if not p.get("mindate") and not p.get("maxdate"):
        return datetype, None, None
    if not (p.get("mindate") and p.get("maxdate")):
        raise ValueError("mindate and maxdate must be given together")
    return datetype, ncbi_day(p["mindate"], last=False), ncbi_day(p["maxdate"], last=True)


def ncbi_day(text: str, *, last: bool) -> date:
    """YYYY/MM/DD, YYYY/MM or YYYY; a partial date is its first (or ``last``) day."""
    parts = [int(x) for x in text.replace("-", "/").split("/")]
    if len(parts) == 3:
        return date(*parts)
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1) if last else first
    if len(parts) == 1:
        return date(parts[0], 12, 31) if last else date(parts[0], 1, 1)
    raise ValueError(f"bad date {text!r}")


def search_answer(
    result: dict[str, str], ids: list[str], term: str, as_json: bool
) -> tuple[int, str, bytes]:
    if as_json:
        doc = {**result, "idlist": ids, "translationset": [], "querytranslation": term}
        body = {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": doc}
        return 200, "application/json; charset=UTF-8", json.dumps(body).encode()
    history = ""
    if "webenv" in result:
        history = f"<QueryKey>{result['querykey']}</QueryKey><WebEnv>{result['webenv']}</WebEnv>"
    id_list = "".join(f"<Id>{i}</Id>\n" for i in ids)
    text = (
        f"{ESEARCH_PROLOG}<eSearchResult><Count>{result['count']}</Count>"
        f"<RetMax>{result['retmax']}</RetMax><RetStart>{result['retstart']}</RetStart>{history}"
        f"<IdList>\n{id_list}</IdList><TranslationSet/>"
        f"<QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>\n"
    )
    return 200, "text/xml; charset=UTF-8", text.encode()


def search_error(status: int, message: str, as_json: bool) -> tuple[int, str, bytes]:
    if as_json:
        body = {
            "header": {"type": "esearch", "version": "0.3"},
            "esearchresult": {"ERROR": message},
        }
        return status, "application/json; charset=UTF-8", json.dumps(body).encode()
    text = f"{ESEARCH_PROLOG}<eSearchResult><ERROR>{escape(message)}</ERROR></eSearchResult>\n"
    return status, "text/xml; charset=UTF-8", text.encode()


def fetch_error(status: int, message: str) -> tuple[int, str, bytes]:
    text = (
        f'<?xml version="1.0" ?>\n<eFetchResult><ERROR>{escape(message)}</ERROR></eFetchResult>\n'
    )
    return status, "text/xml; charset=UTF-8", text.encode()
