"""Two-factor authentication with django-otp: one TOTP authenticator per account plus a set of
recovery codes (a django-otp static device, whose tokens are deleted when used, so each code
works once). Views call these services; the rules live here once."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

import segno
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tickets.accounts.events import event_record
from tickets.accounts.models import SignInPolicy, StaffEvent

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
RECOVERY_CODE_COUNT = 10


class TwoFactorError(Exception):
    """A refused second-factor change, with a message for the person who asked."""


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str  # base32, for people who type it instead of scanning
    qr_svg: str  # inline SVG markup: no image request, nothing from a CDN


def has_two_factor(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user: AbstractBaseUser) -> bool:
    """Whether this account must show a second factor: it set one up, or the team requires it."""
    return has_two_factor(user) or SignInPolicy.current().require_two_factor


def enrolment_start(*, user: AbstractBaseUser) -> Enrolment:
    """The pending authenticator to scan. The same one is shown until it is confirmed, so
    reloading the page does not invalidate what the person already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    qr = segno.make(device.config_url, error="m")
    return Enrolment(
        device=device,
        secret=b32encode(device.bin_key).decode().rstrip("="),
        qr_svg=qr.svg_inline(scale=5, border=2, dark="#111827"),
    )


def _normalised(code: str) -> str:
    return "".join(code.split()).lower()


@transaction.atomic
def enrolment_confirm(*, request: HttpRequest, user: AbstractBaseUser, code: str) -> list[str]:
    """Confirm the pending authenticator with a code it shows; returns the new recovery codes
    (shown once). The session counts as verified from here on."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_normalised(code)):
        raise TwoFactorError(_("That code is not right. Check the time on your phone and retry."))
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user)
    mark_verified(request, device)
    event_record(kind=StaffEvent.Kind.TWO_FACTOR_ENROLLED, request=request, user=user)
    return codes


def _recovery_codes_replace(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: AbstractBaseUser) -> list[str]:
    if not has_two_factor(user):
        raise TwoFactorError(_("Set up an authenticator first."))
    return _recovery_codes_replace(user)


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def verify(*, request: HttpRequest, user: AbstractBaseUser, code: str) -> Device | None:
    """The device that accepts this code: the authenticator's current code, or an unused
    recovery code (then spent). django-otp throttles each device after failures and refuses a
    TOTP code that was already used."""
    token = _normalised(code)
    if not token:
        return None
    # Locked, so two requests racing with one recovery code cannot both spend it.
    with transaction.atomic():
        for model in (TOTPDevice, StaticDevice):
            for device in model.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(token):
                    if isinstance(device, StaticDevice):
                        event_record(
                            kind=StaffEvent.Kind.RECOVERY_CODE_USED, request=request, user=user
                        )
                    return device
    return None


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the session that its user showed this second factor (django-otp keeps the
    device's id in the session; its middleware reads it back on each request)."""
    otp_login(request, device)


@transaction.atomic
def two_factor_remove(*, request: HttpRequest, user: AbstractBaseUser, code: str) -> None:
    """Remove the authenticator and recovery codes, after a current code proves possession.
    Refused while the team requires two-factor sign-in."""
    if SignInPolicy.current().require_two_factor:
        raise TwoFactorError(_("Your team requires two-factor sign-in; it cannot be removed."))
    if verify(request=request, user=user, code=code) is None:
        raise TwoFactorError(_("That code is not right."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    event_record(kind=StaffEvent.Kind.TWO_FACTOR_REMOVED, request=request, user=user)
