"""Where the server may send a request on a company's behalf: the SSRF policy.

Part of the project core, because every feature that calls a URL an admin typed (webhooks today, the
assistant's actions next) must apply the same policy. A webhook URL is typed by an admin, but its
host name is resolved by whoever controls its DNS, so the check runs at every delivery, after
resolution: every address the name resolves to must be a public one, otherwise the delivery is
refused (one private answer is enough to refuse, because the client could have picked it). The
request is then sent to the vetted address itself, with the original host name in the Host header
and in TLS SNI, so a second DNS answer (DNS rebinding) can never change where the bytes go between
the check and the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., Sequence[tuple]]

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# NAT64 (RFC 6052) embeds an IPv4 address in the last 32 bits; a gateway would connect to it.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# Module-level so tests can stand in a resolver without touching the real DNS.
resolve: Resolver = socket.getaddrinfo


class UnsafeTarget(Exception):
    """The URL is not one we send to; retrying will not change that."""


class UnresolvedTarget(Exception):
    """The host name did not resolve right now; worth retrying later."""


@dataclass(frozen=True)
class Target:
    """A vetted destination: connect to ``address`` while naming ``hostname``."""

    scheme: str
    hostname: str
    port: int
    address: IPAddress
    path: str  # path and query, percent-encoded ASCII

    @property
    def host_header(self) -> str:
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        if self.port == DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"


def is_forbidden_address(address: IPAddress) -> bool:
    """True for anything that is not a plain public unicast address, including IPv6 forms that
    carry an IPv4 address inside (mapped, 6to4, Teredo, NAT64) when that address is forbidden."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded: list[ipaddress.IPv4Address] = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(is_forbidden_address(inner) for inner in embedded):
            return True
        if address.is_site_local:
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _split(url: str) -> SplitResult:
    """The URL's parts, refusing anything but plain http(s) to a named host without credentials."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget(f"malformed URL ({error})") from error
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsafeTarget(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeTarget("credentials in the URL are not allowed")
    if not parts.hostname:
        raise UnsafeTarget("the URL has no host")
    if port == 0:
        raise UnsafeTarget("port 0 is not allowed")
    return parts


def validate_url_shape(url: str) -> None:
    """Model/form validator: the syntactic part of the policy (no DNS)."""
    try:
        _split(url)
    except UnsafeTarget as error:
        raise ValidationError(
            _("This URL cannot receive webhooks: %(reason)s."), params={"reason": str(error)}
        ) from error


def _addresses(hostname: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(hostname)]
    except ValueError:
        pass
    try:
        hostname.encode("idna")
        infos = resolve(hostname, port, type=socket.SOCK_STREAM)
    except UnicodeError as error:
        raise UnsafeTarget(f"host name {hostname!r} is not valid") from error
    except OSError as error:  # socket.gaierror and friends
        raise UnresolvedTarget(f"{hostname} did not resolve ({error})") from error
    addresses: list[IPAddress] = []
    for info in infos:
        # sockaddr[0] may carry an IPv6 zone ("fe80::1%eth0"); ip_address understands it.
        address = ipaddress.ip_address(info[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvedTarget(f"{hostname} resolved to no address")
    return addresses


def vet(url: str, *, allow_private: bool = False) -> Target:
    """Check a URL against the policy and pin the address to connect to.

    Raises UnsafeTarget (do not retry) or UnresolvedTarget (retry later).
    """
    parts = _split(url)
    scheme = parts.scheme.lower()
    hostname = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[scheme]
    addresses = _addresses(hostname, port)
    if not allow_private:
        forbidden = [str(address) for address in addresses if is_forbidden_address(address)]
        if forbidden:
            raise UnsafeTarget(
                f"{hostname} resolves to a private or reserved address ({', '.join(forbidden)})"
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    # Spaces and non-ASCII are percent-encoded; existing escapes and reserved characters stay.
    path = quote(path, safe="/%:@!$&'()*+,;=-._~?")
    return Target(scheme=scheme, hostname=hostname, port=port, address=addresses[0], path=path)
