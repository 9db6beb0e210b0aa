"""IP addresses (v4 and v6), told apart from version and section numbers by context."""

from __future__ import annotations

import ipaddress
import re

from apps.detection.context import make_context
from apps.detection.findings import IP_ADDRESS, Finding
from apps.detection.recognizers.base import digit_count

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4_RE = re.compile(rf"(?<![\w.\-]){_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?(?![\w\-]|\.\d)")
_IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:/\d{1,3})?(?![\w:])")
_IP_CONTEXT = make_context(
    positive=(
        "ip",
        "ips",
        "ipv4",
        "ipv6",
        "address",
        "server",
        "host",
        "ssh",
        "ping",
        "gateway",
        "dns",
        "subnet",
        "firewall",
        "whitelist",
        "allowlist",
        "connect",
        "dirección",
        "servidor",
        "endereço",
        "adresse",
        "serveur",
        "rechner",
    ),
    negative=(
        "version",
        "versión",
        "versão",
        "release",
        "build",
        "v",
        "ver",
        "update",
        "upgrade",
        "patch",
        "firmware",
        "sdk",
        "package",
        "pip",
        "npm",
        "library",
        "changelog",
        "oid",
        "section",
        "chapter",
        "clause",
        "artículo",
        "paragraph",
    ),
    penalty=0.45,
)


# Four dot-separated digit groups, which every IPv4 match has; starts with \d so the engine skips
# to digits. "3.5", "v1.2.3" and prices stop here.
_IPV4_QUICK_RE = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")


def recognize_ip(text: str) -> list[Finding]:
    found = []
    # An IPv4 address has four digits (``digit_count``, shared and cached, counts every \d).
    if "." in text and digit_count(text) >= 4 and _IPV4_QUICK_RE.search(text):
        for m in _IPV4_RE.finditer(text):
            address = m.group().split("/")[0]
            octets = [int(o) for o in address.split(".")]
            # "1.2.3.4"-style small numbers are as often versions or section numbers as hosts.
            base = 0.45 if max(octets) < 32 and octets[0] not in (10, 0) else 0.7
            found.append(
                Finding(IP_ADDRESS, m.start(), m.end(), _IP_CONTEXT.score(text, m.start(), m.end(), base), "ip")
            )
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6_RE.finditer(text):
            address = m.group().split("/")[0]
            if not re.search(r"[0-9A-Fa-f]", address):
                continue
            try:
                ipaddress.IPv6Address(address)
            except ValueError:
                continue
            base = 0.8 if address.count(":") >= 4 else 0.5
            found.append(
                Finding(IP_ADDRESS, m.start(), m.end(), _IP_CONTEXT.score(text, m.start(), m.end(), base), "ip")
            )
    return found
