"""Comments of a BCF file (2.1 or 3.0) as plain records, to attach to a submission."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from twin.errors import InvalidInputError

MAX_BCF_BYTES = 200_000_000
MAX_MEMBERS = 20_000
MAX_UNCOMPRESSED = 1_000_000_000


@dataclass(frozen=True)
class BcfComment:
    topic_guid: str
    topic_title: str
    topic_status: str | None
    comment_guid: str
    author: str
    date: str
    text: str
    element_ids: tuple[str, ...]  # GlobalIds selected in the topic's viewpoints


def _check_zip(path: Path) -> str:
    if not path.is_file():
        raise InvalidInputError(f"BCF file not found: {path.name}")
    if path.stat().st_size > MAX_BCF_BYTES:
        raise InvalidInputError(f"{path.name}: a BCF file over 200 MB is not accepted")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise InvalidInputError(f"{path.name}: the BCF archive unpacks too large")
            if any(i.filename.startswith("/") or ".." in i.filename.split("/") for i in infos):
                raise InvalidInputError(f"{path.name}: the BCF archive has unsafe member paths")
            version = zf.read("bcf.version").decode("utf-8", "replace")
    except zipfile.BadZipFile:
        raise InvalidInputError(f"{path.name}: not a BCF zip archive") from None
    except KeyError:
        raise InvalidInputError(f"{path.name}: no bcf.version in it (not a BCF file)") from None
    if 'VersionId="3' in version:
        return "3"
    if 'VersionId="2' in version:
        return "2"
    raise InvalidInputError(f"{path.name}: BCF version not supported (2.1 and 3.0 are)")


def read_bcf_comments(path: Path) -> list[BcfComment]:
    version = _check_zip(path)
    if version == "3":
        import bcf.v3.bcfxml as bcfxml
    else:
        import bcf.v2.bcfxml as bcfxml  # type: ignore[no-redef]
    out: list[BcfComment] = []
    try:
        handle = bcfxml.BcfXml.load(path)
        if handle is None:
            raise InvalidInputError(f"{path.name}: the BCF file could not be read")
        with handle:
            for guid, topic in handle.topics.items():
                header = topic.topic
                selected: list[str] = []
                for viewpoint in topic.viewpoints.values():
                    selected.extend(viewpoint.get_selected_guids() or [])
                for comment in topic.comments:
                    out.append(
                        BcfComment(
                            topic_guid=str(guid),
                            topic_title=str(header.title or ""),
                            topic_status=str(header.topic_status) if header.topic_status else None,
                            comment_guid=str(comment.guid),
                            author=str(comment.author or ""),
                            date=str(comment.date or ""),
                            text=str(comment.comment or ""),
                            element_ids=tuple(dict.fromkeys(selected)),
                        )
                    )
    except InvalidInputError:
        raise
    except Exception as exc:  # xsdata raises parser errors of several kinds
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise InvalidInputError(f"{path.name}: the BCF file is malformed ({reason})") from None
    return out
