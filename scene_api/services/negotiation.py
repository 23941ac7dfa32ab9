"""HTTP details without a framework: Accept-Encoding, ETags, Cache-Control."""

from __future__ import annotations

import re

IMMUTABLE = "public, max-age=31536000, immutable"

_UNSAFE_ETAG = re.compile(r"[^A-Za-z0-9._\-]")


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (RFC 9110 §12.5.3)."""
    if not accept_encoding:
        return False
    explicit: float | None = None
    wildcard: float | None = None
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        q = _quality(params)
        name = coding.strip().lower()
        if name in {"gzip", "x-gzip"}:
            explicit = q if explicit is None else max(explicit, q)
        elif name == "*":
            wildcard = q
    if explicit is not None:
        return explicit > 0
    return wildcard is not None and wildcard > 0


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0


def strong_etag(*parts: str | int) -> str:
    """A quoted strong ETag made of ``parts`` (a stored ETag loses quotes and W/)."""
    cleaned = []
    for part in parts:
        text = str(part).strip()
        if text.startswith("W/"):
            text = text[2:]
        cleaned.append(_UNSAFE_ETAG.sub("", text.strip('"')))
    return '"' + "-".join(cleaned) + '"'


def etag_matches(if_none_match: str | None, *etags: str) -> bool:
    """Weak comparison of ``If-None-Match`` against any of ``etags`` (RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = {e.removeprefix("W/") for e in etags}
    return any(tag.strip().removeprefix("W/") in wanted for tag in if_none_match.split(","))


def short_lived(max_age_s: int) -> str:
    if max_age_s <= 0:
        return "no-cache"
    return f"public, max-age={max_age_s}"
