"""The clinic's own look for the public site: header, footer, stylesheet and disclaimer.

Read from a TOML or YAML file named by ``EVIDENCE_SITE_CONFIG``::

    header_html = '<p class="clinic">Riverside Ketamine Clinic</p>'
    footer_html = '<p>Riverside Ketamine Clinic · 1 High Street</p>'
    stylesheet = "site.css"          # relative to this file; inlined into every page
    disclaimer = "This page is information, not medical advice."

The pages keep their Content-Security-Policy (inline CSS only, no scripts, nothing loaded), so
markup or CSS that would need a script or a load is refused here with one clear line rather
than published broken.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SITE_CONFIG_ENV = "EVIDENCE_SITE_CONFIG"
DEFAULT_DISCLAIMER = (
    "This page is information, not medical advice. Talk to a doctor about your own treatment."
)
KEYS = ("header_html", "footer_html", "stylesheet", "disclaimer")
MAX_BYTES = 200_000
# What the CSP would block or a script could ride on: refused, so a page never looks broken.
_UNSAFE_HTML = re.compile(
    r"<\s*/?\s*(script|style|iframe|frame|frameset|object|embed|link|meta|base|form|input|button"
    r"|img|picture|source|video|audio|svg|math|template)\b|\son[a-z]+\s*=|javascript:|\b(src|srcset)\s*=",
    re.IGNORECASE,
)
_UNSAFE_CSS = re.compile(r"</|<!--|@import|url\s*\(|expression\s*\(", re.IGNORECASE)


class SiteConfigError(ValueError):
    """The site configuration cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class SiteConfig:
    """What the clinic sets of the public pages; the defaults need no file."""

    header_html: str = ""
    footer_html: str = ""
    stylesheet: str = ""  # CSS text, inlined after the site's own
    disclaimer: str = DEFAULT_DISCLAIMER

    @classmethod
    def from_env(cls) -> SiteConfig:
        """The file named by EVIDENCE_SITE_CONFIG, or the defaults when it is unset."""
        name = os.environ.get(SITE_CONFIG_ENV, "").strip()
        return load_site_config(Path(name)) if name else cls()


def load_site_config(path: Path) -> SiteConfig:
    """Read and check a site configuration file (.toml, .yaml or .yml)."""
    where = f"site config {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiteConfigError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    data = _parse(text, path.suffix.lower(), where)
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise SiteConfigError(f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(KEYS)})")
    values = {key: _text(data, key, where) for key in KEYS if key in data}
    for key in ("header_html", "footer_html"):
        if key in values and (bad := _UNSAFE_HTML.search(values[key])):
            raise SiteConfigError(
                f"{where}: {key} holds {bad.group(0).strip()!r}; the pages allow no scripts, "
                "loads or forms (plain markup and inline text only)"
            )
    if "stylesheet" in values:
        values["stylesheet"] = _stylesheet(path.parent / values["stylesheet"], where)
    if "disclaimer" in values and not values["disclaimer"].strip():
        raise SiteConfigError(f"{where}: disclaimer is empty; leave it out for the default")
    return SiteConfig(**values)


def _parse(text: str, suffix: str, where: str) -> dict[str, Any]:
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise SiteConfigError(f"{where}: use a .toml, .yaml or .yml file")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SiteConfigError(f"{where}: not valid ({first})") from None
    if not isinstance(data, dict):
        raise SiteConfigError(f"{where}: expected settings as key = value")
    return data


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise SiteConfigError(f"{where}: {key} must be text")
    if len(value.encode("utf-8")) > MAX_BYTES:
        raise SiteConfigError(f"{where}: {key} is over {MAX_BYTES:,} bytes")
    return value


def _stylesheet(path: Path, where: str) -> str:
    try:
        css = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SiteConfigError(f"{where}: stylesheet {path}: {exc.strerror or exc}") from None
    if len(css.encode("utf-8")) > MAX_BYTES:
        raise SiteConfigError(f"{where}: stylesheet {path} is over {MAX_BYTES:,} bytes")
    if bad := _UNSAFE_CSS.search(css):
        raise SiteConfigError(
            f"{where}: stylesheet {path} holds {bad.group(0)!r}; the pages load nothing, so "
            "fonts, images and imports must be left out"
        )
    return css
