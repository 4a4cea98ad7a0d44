"""An action as the reply turn holds it: a plain snapshot, read once per turn, so that nothing
during the model call or the HTTP request needs the database."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.actions.models import Action
from assistant.actions.schema import EMPTY_SCHEMA
from assistant.llm.types import ToolSpec

_SLOT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class ActionSpec:
    id: int
    name: str
    description: str
    parameters: Mapping[str, Any]
    method: str
    url: str
    secret_header_name: str
    # Encrypted (secrets.py): decrypted only when the request is built.
    secret_header_value: str = field(repr=False)
    identity_fields: tuple[str, ...]
    changes_data: bool
    confirmation_text: str
    timeout_seconds: float

    @classmethod
    def of(cls, action: Action) -> ActionSpec:
        return cls(
            id=action.pk,
            name=action.name,
            description=action.description,
            parameters=action.parameters or EMPTY_SCHEMA,
            method=action.method,
            url=action.url,
            secret_header_name=action.secret_header_name,
            secret_header_value=action.secret_header_value,
            identity_fields=tuple(str(f) for f in action.identity_fields or ()),
            changes_data=action.changes_data,
            confirmation_text=action.confirmation_text,
            timeout_seconds=float(action.timeout_seconds),
        )

    @property
    def needs_identity(self) -> bool:
        return bool(self.identity_fields) or self.changes_data

    def tool(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)

    def path_slots(self) -> set[str]:
        """The arguments named in the URL ({order_id}), sent in the path, not the body."""
        return set(_SLOT.findall(self.url))

    def summary(self, arguments: Mapping[str, Any]) -> str:
        """What the customer is asked to confirm, with the arguments filled in."""
        if self.confirmation_text:
            return _SLOT.sub(
                lambda m: _shown(arguments.get(m.group(1), m.group(0))), self.confirmation_text
            )
        details = ", ".join(f"{key}: {_shown(value)}" for key, value in arguments.items())
        return f"{self.name} ({details})" if details else self.name


def _shown(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def fill_slots(url: str, values: Mapping[str, str]) -> str:
    return _SLOT.sub(lambda m: values.get(m.group(1), m.group(0)), url)
