"""A webhook cannot reach inside: private, loopback, link-local and reserved targets are refused
after DNS resolution, and the address checked is the address connected to.

No test here sends traffic anywhere but to a receiver on 127.0.0.1; "public" answers come from a
stand-in resolver and are only vetted, never connected to.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assistant import netguard
from tests.tickets.receiver import Receiver, certificate_authority
from tickets.webhooks import delivery, transport
from tickets.webhooks.admin import WebhookForm
from tickets.webhooks.models import Event, Webhook, WebhookDelivery

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:4700:4700::1111"


def answers(*addresses: str) -> Any:
    """A stand-in for socket.getaddrinfo that answers with these addresses."""
    calls: list[str] = []

    def resolve(host: str, port: int, **kwargs: Any) -> list[tuple]:
        calls.append(host)
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port),
            )
            for address in addresses
        ]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.0.0.1:8000/hook",
        "http://127.1/hook",  # short form, resolved by the C library
        "http://2130706433/hook",  # 127.0.0.1 as one decimal number
        "http://0x7f000001/hook",
        "http://0.0.0.0/hook",
        "http://10.0.0.5/hook",
        "http://172.16.3.4/hook",
        "http://192.168.1.10/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://224.0.0.1/hook",  # multicast
        "http://240.0.0.1/hook",  # reserved
        "http://[::1]/hook",
        "http://[::]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "http://[::ffff:10.0.0.1]/hook",
        "http://[::ffff:169.254.169.254]/hook",
        "http://[2002:7f00:1::1]/hook",  # 6to4 wrapping 127.0.0.1
        "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 wrapping 169.254.169.254
        "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[fec0::1]/hook",  # site-local
        "http://[ff02::1]/hook",
        "http://localhost/hook",  # a name that resolves to loopback
        "http://LocalHost/hook",
        "https://localhost:8443/hook",
    ],
)
def test_private_and_reserved_targets_are_refused(url: str) -> None:
    with pytest.raises(netguard.UnsafeTarget, match="private or reserved"):
        netguard.vet(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com:70/_stats",
        "javascript:alert(1)",
        "dict://127.0.0.1:6379/info",
        "example.com/hook",
        "http:///no-host",
        "http://user:secret@example.com/hook",
        "http://user@example.com/hook",
        "http://example.com@127.0.0.1/hook",
        "http://example.com:0/hook",
        "http://example.com:99999/hook",
        "http://[::1/hook",
    ],
)
def test_other_schemes_credentials_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(netguard.UnsafeTarget):
        netguard.vet(url, allow_private=True)  # refused whatever the address policy


def test_one_private_answer_among_public_ones_is_enough_to_refuse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(netguard, "resolve", answers(PUBLIC_V4, "10.1.2.3"))
    with pytest.raises(netguard.UnsafeTarget, match=r"10\.1\.2\.3"):
        netguard.vet("https://hooks.example.com/in")
    monkeypatch.setattr(netguard, "resolve", answers(PUBLIC_V6, "::ffff:127.0.0.1"))
    with pytest.raises(netguard.UnsafeTarget, match="::ffff:7f00:1"):
        netguard.vet("https://hooks.example.com/in")


def test_a_public_answer_is_pinned_with_the_original_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(netguard, "resolve", answers(PUBLIC_V4, PUBLIC_V6))
    target = netguard.vet("https://Hooks.Example.com:8443/in/é?x=1 2")
    assert target.address == ipaddress.ip_address(PUBLIC_V4)
    assert (target.scheme, target.hostname, target.port) == ("https", "hooks.example.com", 8443)
    assert target.host_header == "hooks.example.com:8443"
    assert target.path == "/in/%C3%A9?x=1%202"


def test_a_name_that_does_not_resolve_is_worth_retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(netguard, "resolve", fail)
    with pytest.raises(netguard.UnresolvedTarget):
        netguard.vet("https://nowhere.invalid/in")


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, "8.8.8.8", "2a00:1450:4001:80b::200e"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not netguard.is_forbidden_address(ipaddress.ip_address(address))


# ---------------------------------------------------------------------------------------------
# End to end: nothing reaches the local receiver unless the test policy allows private targets
# ---------------------------------------------------------------------------------------------


def _pending(url: str) -> WebhookDelivery:
    webhook = Webhook.objects.create(url=url, events=[Event.TICKET_CREATED])
    return WebhookDelivery.objects.create(
        webhook=webhook,
        event=Event.TICKET_CREATED,
        payload={"data": {}},
        next_attempt_at=timezone.now(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_delivery_to_a_loopback_receiver_is_refused_and_recorded(
    settings: Any, host: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with Receiver() as receiver:
        pending = _pending(f"http://{host}:{receiver.port}/hooks/in")
        outcome = delivery.attempt(pending.pk)
    assert outcome == delivery.Outcome("failed")  # refused for good, not retried
    assert receiver.received == []
    pending.refresh_from_db()
    assert pending.last_error.startswith("refused:")
    assert pending.attempt_log.get().error == pending.last_error


@pytest.mark.django_db
def test_the_vetted_address_is_the_one_connected_to(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The name is resolved once, by us; the HTTP client gets the address, so a second DNS
    answer (rebinding) has no say. Host header and path keep the original name."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # to reach the receiver on 127.0.0.1
    resolver = answers("127.0.0.1")
    monkeypatch.setattr(netguard, "resolve", resolver)
    with Receiver() as receiver:
        pending = _pending(f"http://hooks.example.test:{receiver.port}/hooks/in?k=v")
        assert delivery.attempt(pending.pk).status == "delivered"
    assert resolver.calls == ["hooks.example.test"]
    (request,) = receiver.received
    assert request.headers["Host"] == f"hooks.example.test:{receiver.port}"
    assert request.path == "/hooks/in?k=v"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("certified_for", "delivered"), [("hooks.example.test", True), ("other.example.test", False)]
)
def test_over_tls_the_certificate_must_name_the_host_not_the_pinned_address(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    certified_for: str,
    delivered: bool,
) -> None:
    """Connected to the vetted address, the client still asks for the host name (SNI) and
    checks the certificate against it."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server_tls, client_tls = certificate_authority(tmp_path, certified_for)
    monkeypatch.setattr(transport, "tls_verify", client_tls)
    monkeypatch.setattr(netguard, "resolve", answers("127.0.0.1"))
    with Receiver(tls=server_tls) as receiver:
        pending = _pending(f"https://hooks.example.test:{receiver.port}/hooks/in")
        outcome = delivery.attempt(pending.pk)
    assert (outcome.status == "delivered") is delivered
    assert len(receiver.received) == (1 if delivered else 0)
    if not delivered:
        pending.refresh_from_db()
        assert "certificate" in pending.last_error.lower()


def test_a_double_slash_path_stays_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netguard, "resolve", answers(PUBLIC_V4))
    target = netguard.vet("https://hooks.example.com//169.254.169.254/x")
    assert target.address == ipaddress.ip_address(PUBLIC_V4)
    assert target.path == "//169.254.169.254/x"


# ---------------------------------------------------------------------------------------------
# Configuration: the admin form and the model refuse such URLs up front
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/in", "http://localhost/in", "ftp://example.com/in"]
)
def test_the_admin_form_refuses_an_inward_url(settings: Any, url: str) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    form = WebhookForm(data={"url": url, "events": [Event.TICKET_CREATED], "active": True})
    assert not form.is_valid()
    assert "url" in form.errors


def test_the_model_refuses_other_schemes_and_credentials() -> None:
    for url in ("ftp://example.com/in", "https://user:pw@example.com/in"):
        with pytest.raises(ValidationError):
            netguard.validate_url_shape(url)
    netguard.validate_url_shape("https://hooks.example.com/in")
