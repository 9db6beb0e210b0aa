"""Who is behind a log line: department from the identity map, user pseudonym from a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

UNATTRIBUTED = None  # department id of traffic no identity-map entry matched

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class IdentityResolver:
    """User name (case-insensitive) first, then the longest matching network of the source IP.

    Results are memoised per (user, ip): a log repeats the same few thousand identities
    millions of times. The memo is cleared when it grows past ``memo_limit`` (bounded memory).
    """

    users: dict[str, int]
    networks: list[tuple[_Network, int]]  # longest prefix first
    memo_limit: int = 200_000
    _memo: dict[tuple[str, str], int | None] = field(default_factory=dict)

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, str, int]]) -> IdentityResolver:
        users: dict[str, int] = {}
        networks: list[tuple[_Network, int]] = []
        for kind, value, department_id in entries:
            if kind == "user":
                users[value.lower()] = department_id
            else:
                networks.append((ipaddress.ip_network(value, strict=False), department_id))
        networks.sort(key=lambda pair: pair[0].prefixlen, reverse=True)
        return cls(users=users, networks=networks)

    def department_of(self, user: str, ip: str) -> int | None:
        key = (user, ip)
        memo = self._memo
        if key in memo:
            return memo[key]
        department = self._resolve(user, ip)
        if len(memo) >= self.memo_limit:
            memo.clear()
        memo[key] = department
        return department

    def _resolve(self, user: str, ip: str) -> int | None:
        if user:
            found = self.users.get(user.lower())
            if found is None and "\\" in user:  # DOMAIN\user
                found = self.users.get(user.rsplit("\\", 1)[1].lower())
            if found is not None:
                return found
        if ip and self.networks:
            try:
                address = ipaddress.ip_address(ip)
            except ValueError:
                return UNATTRIBUTED
            for network, department in self.networks:
                if address.version == network.version and address in network:
                    return department
        return UNATTRIBUTED


@dataclass
class Pseudonymizer:
    """``u_`` + 16 hex chars of HMAC-SHA256(organization key, identity), or the identity as is.

    The identity is the user name when the log has one, else the source IP. Keyed, so a pseudonym
    cannot be reversed by hashing a list of known names without the organization's key, and the
    same person gets the same pseudonym in every import (distinct-user counts work across files).
    """

    key: bytes | None  # None: the policy keeps identities in clear
    memo_limit: int = 200_000
    _memo: dict[str, str] = field(default_factory=dict)

    def ref(self, user: str, ip: str) -> str:
        identity = user.lower() if user else ip
        if self.key is None:
            return identity or "-"
        found = self._memo.get(identity)
        if found is None:
            found = "u_" + hmac.new(self.key, identity.encode(), hashlib.sha256).hexdigest()[:16]
            if len(self._memo) >= self.memo_limit:
                self._memo.clear()
            self._memo[identity] = found
        return found
