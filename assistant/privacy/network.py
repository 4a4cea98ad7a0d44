"""IP addresses: personal data under the GDPR (they identify a connection, often a household).

IPv4 as four dotted numbers of at most 255, IPv6 in any of its written forms, both confirmed by
the standard library's `ipaddress`. Version numbers ("version 10.2.1.5", "v1.2.3.4") are not
addresses; everything else of that shape is, private ranges included: "192.168.1.20" in a
message about a router is still the customer's network.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

_IPV4 = re.compile(
    r"(?<![0-9A-Za-z.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}"
    r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9]|\.[0-9])"
)
# Hex groups with at least two colons; validated by ipaddress, which rejects times ("12:30:45"
# has no hex letters and too few groups only if we let it: see _looks_like_time).
_IPV6 = re.compile(
    r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[0-9A-Za-z]+)?"
    r"(?![0-9A-Za-z:])"
)
_VERSION_BEFORE = re.compile(
    r"(?:version|versión|versão|versione|v|ver\.?|firmware|build|release|版本|固件|バージョン"
    r"|ファームウェア)\s*(?:is|ist|est|es|è|é|は|:)?\s*$",
    re.IGNORECASE,
)
_TIME = re.compile(r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?")


@dataclass(frozen=True, slots=True)
class IpMatch:
    start: int
    end: int
    canonical: str


def find_ip_addresses(text: str) -> Iterator[IpMatch]:
    if "." in text:
        for match in _IPV4.finditer(text):
            if _VERSION_BEFORE.search(text, max(0, match.start() - 20), match.start()):
                continue
            yield IpMatch(match.start(), match.end(), match.group(0))
    if text.count(":") >= 2:
        for match in _IPV6.finditer(text):
            value = match.group(0).rstrip(":") if not match.group(0).endswith("::") else match[0]
            if _TIME.fullmatch(value):
                continue
            try:
                address = ipaddress.IPv6Address(value.split("%", 1)[0])
            except ValueError:
                continue
            yield IpMatch(match.start(), match.start() + len(value), address.compressed)
