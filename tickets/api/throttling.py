"""Request budgets per API token and per signed-in desk session, counted in the shared cache
(Redis), so every web process draws from the same budget."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tickets.apitokens.models import ApiToken


class ApiClientThrottle(SimpleRateThrottle):
    """Scope ``api_token`` for token requests, ``api_session`` for the desk's own calls.

    The scope depends on the request, so the rate is looked up per request (from
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], read live so settings overrides apply).
    """

    def __init__(self) -> None:
        # SimpleRateThrottle reads a fixed class scope here; ours is chosen per request.
        self.rate = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            return True  # unauthenticated requests are refused (401) before they cost anything
        self.scope = "api_token" if isinstance(request.auth, ApiToken) else "api_session"
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        # The user, not the key: the key is a secret and has no place in cache key names.
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
