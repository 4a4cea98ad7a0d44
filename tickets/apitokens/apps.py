from django.apps import AppConfig


class ApiTokensConfig(AppConfig):
    """API tokens: named keys for the REST API, stored as a lookup prefix and a SHA-256 digest."""

    name = "tickets.apitokens"
    label = "apitokens"
    verbose_name = "API tokens"
