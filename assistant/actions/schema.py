"""The actions' parameters: a JSON Schema object, checked when saved and applied to every call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as ArgumentsError

__all__ = ["ArgumentsError", "check_arguments", "validate_parameters_schema"]

EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


def validate_parameters_schema(schema: object) -> None:
    """Form/model validator: a valid JSON Schema for an object of named arguments (what the
    OpenAI-compatible tools API expects)."""
    if not isinstance(schema, Mapping):
        raise ValidationError(_("The parameters must be a JSON object (a JSON Schema)."))
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        raise ValidationError(
            _("This is not a valid JSON Schema: %(reason)s"), params={"reason": error.message}
        ) from error
    if schema and schema.get("type") != "object":
        raise ValidationError(_('The parameters\' schema must have "type": "object".'))


def check_arguments(schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> None:
    """Raise ArgumentsError when the model's arguments do not fit the action's schema."""
    Draft202012Validator(dict(schema or EMPTY_SCHEMA)).validate(dict(arguments))
