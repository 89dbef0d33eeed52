"""The JSON schema a model sees for a tool's arguments, made from its pydantic
model.

Pydantic's schema is close but not quite what function calling wants: it
carries titles and defaults the model does not need, marks optional fields as
``anyOf [..., null]`` and may refer to ``$defs``. Two forms come out of here:

- plain: optional properties are simply left out of ``required`` and are not
  nullable, which small local models handle best;
- strict (OpenAI structured outputs): every property is listed in
  ``required``, the optional ones accept ``null``, and every object says
  ``additionalProperties: false``.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

Schema = dict[str, Any]

# Keywords that only cost tokens, or that strict mode refuses.
_DROPPED = ("title", "default", "examples")


def parameters_schema(model: type[BaseModel], *, strict: bool) -> Schema:
    """The ``parameters`` object of a function tool for ``model``."""
    raw = model.model_json_schema()
    definitions = raw.pop("$defs", {})
    return _clean(_inline(raw, definitions), strict=strict)


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """The schema with every ``#/$defs/...`` reference replaced by its target."""
    if isinstance(node, list):
        return [_inline(part, definitions) for part in node]
    if not isinstance(node, dict):
        return node
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        target = copy.deepcopy(definitions[reference.removeprefix("#/$defs/")])
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline(merged, definitions)
    return {key: _inline(value, definitions) for key, value in node.items()}


def _clean(node: Any, *, strict: bool) -> Any:
    if isinstance(node, list):
        return [_clean(part, strict=strict) for part in node]
    if not isinstance(node, dict):
        return node

    cleaned: Schema = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            # Keys here are argument names, not schema keywords.
            cleaned[key] = {
                name: _clean(part, strict=strict) for name, part in value.items()
            }
        else:
            cleaned[key] = _clean(value, strict=strict)

    if cleaned.get("type") == "object" and "properties" in cleaned:
        _settle_object(cleaned, strict=strict)
    return cleaned


def _settle_object(schema: Schema, *, strict: bool) -> None:
    properties: dict[str, Schema] = schema["properties"]
    required = set(schema.get("required", ()))
    for name, part in properties.items():
        if name in required:
            continue
        properties[name] = _nullable(part) if strict else _without_null(part)

    if strict:
        schema["required"] = list(properties)
    elif required:
        schema["required"] = [name for name in properties if name in required]
    else:
        schema.pop("required", None)
    schema["additionalProperties"] = False


def _is_null(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "null"


def _without_null(part: Schema) -> Schema:
    """``anyOf [X, null]`` as plain ``X``, keeping the outer description."""
    choices = part.get("anyOf")
    if not isinstance(choices, list) or not any(map(_is_null, choices)):
        return part
    rest = [choice for choice in choices if not _is_null(choice)]
    outer = {key: value for key, value in part.items() if key != "anyOf"}
    if len(rest) == 1:
        return {**rest[0], **outer}
    return {"anyOf": rest, **outer}


def _nullable(part: Schema) -> Schema:
    """The property as one that also accepts ``null``."""
    choices = part.get("anyOf")
    if isinstance(choices, list):
        if any(map(_is_null, choices)):
            return part
        return {**part, "anyOf": [*choices, {"type": "null"}]}
    outer = {key: part[key] for key in ("description",) if key in part}
    inner = {key: value for key, value in part.items() if key not in outer}
    return {"anyOf": [inner, {"type": "null"}], **outer}
