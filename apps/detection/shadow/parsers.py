"""Egress log parsers: one line in, one ``Hit`` out (or ``MalformedLineError``), in bounded memory.

Each parser reads one line at a time from a text stream and keeps no state between lines other
than a CSV header, so a file of any size streams through. A parser raises ``MalformedLineError`` with a
short reason for a line it cannot read; the importer counts and samples those and goes on.

``Hit.day`` is the UTC day number (days since 1970-01-01): integer arithmetic per line instead of
a datetime object, since day is the only granularity the usage table keeps.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson

SECONDS_PER_DAY = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class MalformedLineError(ValueError):
    pass


@dataclass(slots=True)
class Hit:
    day: int
    host: str
    user: str  # "" when the log names nobody
    client_ip: str
    bytes: int


LineParser = Callable[[str], Hit | None]  # None: a line to skip silently (a header, a comment)


def _host_of_url(url: str) -> str:
    """The host of an absolute URL, of a CONNECT target (``host:443``) or of a bare host."""
    if "/" in url:
        start = url.find("://")
        host = (url[start + 3 :] if start >= 0 else url).split("/", 1)[0]
        if "?" in host or "#" in host:
            host = host.split("?", 1)[0].split("#", 1)[0]
        if "@" in host:
            host = host.rsplit("@", 1)[1]
    else:  # CONNECT target or bare host: the common case of proxy logs (HTTPS)
        host = url
    if host.startswith("["):
        return host[1 : host.find("]")].lower()
    colon = host.rfind(":")
    if colon >= 0:
        host = host[:colon]
    if not host:
        raise MalformedLineError("no host in the URL")
    return host.lower()


def _int(value: str) -> int:
    if value in ("", "-"):
        return 0
    try:
        return int(value)
    except ValueError:
        raise MalformedLineError(f"not a number: {value[:40]!r}") from None


def _epoch_day(value: str) -> int:
    try:
        return int(float(value)) // SECONDS_PER_DAY
    except ValueError:
        raise MalformedLineError(f"not a Unix time: {value[:40]!r}") from None


_DAY_CACHE: dict[str, int] = {}


def _iso_day(value: str) -> int:
    """Day number of an ISO 8601 / 'YYYY-MM-DD HH:MM:SS' timestamp (UTC unless it has an offset)."""
    key = value[:10] if len(value) <= 19 or value.endswith(("Z", "z")) else value
    day = _DAY_CACHE.get(key)
    if day is not None:
        return day
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise MalformedLineError(f"not a timestamp: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    day = int(parsed.timestamp()) // SECONDS_PER_DAY
    if key is not value and len(_DAY_CACHE) < 10_000:
        _DAY_CACHE[key] = day
    return day


def _user(value: str) -> str:
    return "" if value in ("", "-") else value


# --- Squid ---------------------------------------------------------------------------------
# Native format, http://www.squid-cache.org/Doc/config/logformat/ ("logformat squid"):
#   %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt
# time elapsed client code/status bytes method URL user hierarchy/peer type.


def parse_squid(line: str) -> Hit | None:
    fields = line.split()
    if not fields:
        return None
    if len(fields) < 8:
        raise MalformedLineError(f"expected at least 8 fields, got {len(fields)}")
    return Hit(
        day=_epoch_day(fields[0]),
        host=_host_of_url(fields[6]),
        user=_user(fields[7]),
        client_ip=fields[2],
        bytes=_int(fields[4]),
    )


# "logformat combined" of the same page:
#   %>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st "%{Referer}>h" "%{User-Agent}>h" %Ss:%Sh
_COMBINED = re.compile(r'(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+)(?: [^"]*)?" (\d{3}|-) (\d+|-)')
_MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}


def _clf_day(value: str) -> int:
    """Day number (UTC) of a Common Log Format time, ``10/Oct/2000:13:55:36 -0700``.

    By arithmetic, not strptime: this runs once per line of a combined-format log.
    """
    try:
        day, month, year = int(value[0:2]), _MONTHS[value[3:6]], int(value[7:11])
        hour, minute, second = int(value[12:14]), int(value[15:17]), int(value[18:20])
        sign = -1 if value[21] == "-" else 1
        offset = sign * (int(value[22:24]) * 3600 + int(value[24:26]) * 60)
        ordinal = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except (KeyError, ValueError, IndexError):
        raise MalformedLineError(f"not a log time: {value[:40]!r}") from None
    return (ordinal * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset) // SECONDS_PER_DAY


def parse_squid_combined(line: str) -> Hit | None:
    if not line.strip():
        return None
    match = _COMBINED.match(line)
    if match is None:
        raise MalformedLineError("not in Squid's combined format")
    client, _ident, user, when, _method, url, _status, size = match.groups()
    return Hit(day=_clf_day(when), host=_host_of_url(url), user=_user(user), client_ip=client, bytes=_int(size))


# --- Zscaler NSS web logs (JSON) -------------------------------------------------------------
# NSS feed output in JSON, https://help.zscaler.com/zia/nss-feed-output-format-web-logs: the
# feed's fields are chosen by the admin; Zscaler's JSON template names them ``datetime``
# (%s{time}, "Mon Jun 20 15:29:11 2016") or ``epochtime`` (%d{epochtime}), ``login``/``user``
# (%s{login}), ``cip``/``ClientIP`` (%s{cip}), ``hostname``/``host`` (%s{host}), ``url``
# (%s{url}), ``totalsize``/``transactionsize`` (%d{totalsize}). The Splunk template wraps them
# in ``{"sourcetype": "zscalernss-web", "event": {...}}``; both shapes are read.


def _first(event: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = event.get(name)
        if value not in (None, "", "None", "NA"):
            return value
    return None


def parse_zscaler(line: str) -> Hit | None:
    if not line.strip():
        return None
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise MalformedLineError("not JSON") from None
    if not isinstance(record, dict):
        raise MalformedLineError("not a JSON object")
    event = record.get("event", record)
    if not isinstance(event, dict):
        raise MalformedLineError("'event' is not an object")
    host = _first(event, "hostname", "host", "ehost")
    if host is None:
        url = _first(event, "url", "eurl")
        if url is None:
            raise MalformedLineError("no hostname or url")
        host = _host_of_url(str(url))
    epoch = _first(event, "epochtime")
    if epoch is not None:
        day = _epoch_day(str(epoch))
    else:
        text = _first(event, "datetime", "time")
        if text is None:
            raise MalformedLineError("no datetime or epochtime")
        day = _zscaler_day(str(text))
    return Hit(
        day=day,
        host=str(host).lower(),
        user=_user(str(_first(event, "login", "user", "elogin") or "")),
        client_ip=str(_first(event, "cip", "ClientIP", "clientip") or ""),
        bytes=_int(str(_first(event, "totalsize", "transactionsize") or 0)),
    )


def _zscaler_day(value: str) -> int:
    try:
        parsed = datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        return _iso_day(value)
    return int(parsed.timestamp()) // SECONDS_PER_DAY


# --- Cisco Umbrella (CSV exported to S3) -----------------------------------------------------
# https://docs.umbrella.com/deployment-umbrella/docs/log-formats-and-versioning: files have no
# header; every field is quoted. Proxy logs: "Timestamp","Identities","Internal IP",
# "External IP","Destination IP","Content Type","Verdict","URL","Referer","userAgent",
# "statusCode","requestSize","responseSize","responseBodySize",... (later versions append
# columns). DNS logs: "Timestamp","Most Granular Identity","Identities","InternalIp",
# "ExternalIp","Action","QueryType","ResponseCode","Domain","Categories",...; Domain ends in a dot.


def _csv_fields(line: str) -> list[str]:
    try:
        return next(csv.reader([line]))
    except (csv.Error, StopIteration):
        raise MalformedLineError("not a CSV line") from None


def _umbrella_identity(value: str) -> str:
    # "Identities" lists every identity the request matched, most granular first.
    return value.split(",")[0].strip()


def parse_umbrella_proxy(line: str) -> Hit | None:
    if not line.strip():
        return None
    fields = _csv_fields(line)
    if len(fields) < 14:
        raise MalformedLineError(f"expected at least 14 fields, got {len(fields)}")
    if fields[0] == "Timestamp":
        return None
    return Hit(
        day=_iso_day(fields[0]),
        host=_host_of_url(fields[7]),
        user=_umbrella_identity(fields[1]),
        client_ip=fields[2],
        bytes=_int(fields[11]) + _int(fields[12]),
    )


def parse_umbrella_dns(line: str) -> Hit | None:
    if not line.strip():
        return None
    fields = _csv_fields(line)
    if len(fields) < 9:
        raise MalformedLineError(f"expected at least 9 fields, got {len(fields)}")
    if fields[0] == "Timestamp":
        return None
    domain = fields[8].strip().rstrip(".").lower()
    if not domain:
        raise MalformedLineError("no domain")
    return Hit(day=_iso_day(fields[0]), host=domain, user=fields[1], client_ip=fields[3], bytes=0)


# --- Generic: CSV with a header, or JSON lines, with a column mapping ------------------------

MAPPING_FIELDS = ("timestamp", "host", "url", "user", "client_ip", "bytes")


def _time_day(value: Any) -> int:
    if isinstance(value, int | float):
        return int(value) // SECONDS_PER_DAY
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return _epoch_day(text)
    return _iso_day(text)


def _generic_hit(get: Callable[[str], Any]) -> Hit:
    when = get("timestamp")
    if when in (None, ""):
        raise MalformedLineError("no timestamp")
    host = get("host")
    if host in (None, ""):
        url = get("url")
        if url in (None, ""):
            raise MalformedLineError("no host or url")
        host = _host_of_url(str(url))
    size = get("bytes")
    return Hit(
        day=_time_day(when),
        host=str(host).lower(),
        user=_user(str(get("user") or "")),
        client_ip=str(get("client_ip") or ""),
        bytes=size if isinstance(size, int) else _int(str(size or "")),
    )


def generic_csv_parser(mapping: dict[str, str]) -> LineParser:
    """``mapping``: our field → the file's column name (from its header line)."""
    positions: dict[str, int] = {}

    def parse(line: str) -> Hit | None:
        if not line.strip():
            return None
        fields = _csv_fields(line)
        if not positions:
            missing = [column for column in mapping.values() if column not in fields]
            if missing:
                raise MalformedLineError(f"header lacks the mapped column(s): {', '.join(missing)}")
            positions.update({ours: fields.index(theirs) for ours, theirs in mapping.items()})
            return None
        if len(fields) <= max(positions.values()):
            raise MalformedLineError(f"expected {max(positions.values()) + 1} fields, got {len(fields)}")
        return _generic_hit(lambda name: fields[positions[name]] if name in positions else None)

    return parse


def generic_jsonl_parser(mapping: dict[str, str]) -> LineParser:
    def parse(line: str) -> Hit | None:
        if not line.strip():
            return None
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise MalformedLineError("not JSON") from None
        if not isinstance(record, dict):
            raise MalformedLineError("not a JSON object")
        return _generic_hit(lambda name: record.get(mapping[name]) if name in mapping else None)

    return parse


FORMATS: dict[str, Callable[[dict[str, str]], LineParser]] = {
    "squid": lambda _mapping: parse_squid,
    "squid-combined": lambda _mapping: parse_squid_combined,
    "zscaler-nss": lambda _mapping: parse_zscaler,
    "umbrella-proxy": lambda _mapping: parse_umbrella_proxy,
    "umbrella-dns": lambda _mapping: parse_umbrella_dns,
    "csv": generic_csv_parser,
    "jsonl": generic_jsonl_parser,
}
GENERIC_FORMATS = ("csv", "jsonl")


def validate_mapping(fmt: str, mapping: dict[str, str]) -> list[str]:
    """Problems with a format/mapping pair, empty when it is usable."""
    if fmt not in FORMATS:
        return [f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}"]
    if fmt not in GENERIC_FORMATS:
        return [f"format {fmt!r} takes no column mapping"] if mapping else []
    problems = [f"unknown field {name!r} in the mapping" for name in mapping if name not in MAPPING_FIELDS]
    if "timestamp" not in mapping:
        problems.append("the mapping needs 'timestamp'")
    if "host" not in mapping and "url" not in mapping:
        problems.append("the mapping needs 'host' or 'url'")
    return problems


def lines_of(stream: Any) -> Iterator[str]:
    """Text lines of a binary stream, undecodable bytes replaced (a log is not always UTF-8).

    A TextIOWrapper decodes in C, in buffered blocks: per-line ``bytes.decode`` in Python cost a
    fifth of the import's time.
    """
    yield from io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
