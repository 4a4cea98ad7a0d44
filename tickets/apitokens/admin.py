"""The REST framework's own token admin is taken away: its table no longer authenticates anybody
(tokens are hashed, tickets.apitokens), so a token made there would silently not work. Tokens
are managed in the desk's settings (docs/settings.md)."""

from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
