"""Fixtures for the Django side of the privacy tests."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.chat.models import Inbox
from tests import factories


@pytest.fixture
def inbox(db: Any) -> Inbox:
    return factories.make_inbox()
