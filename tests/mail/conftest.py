"""Fixtures of the e-mail tests."""

from tests.mail.smtp import smtp_server

__all__ = ["smtp_server"]
