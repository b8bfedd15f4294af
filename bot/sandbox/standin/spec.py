"""The Bot API specification, and the check of a call against it.

The spec is the machine-readable ``api.json`` (``methods`` and ``types``, each with
``fields: [{name, types, required, description}]``).  Values are decoded the way Telegram
decodes them: in urlencoded and multipart bodies every value is text, so numbers and
booleans are parsed and objects and arrays are JSON strings; in JSON bodies values are
typed, and a top-level object or array may also come as a JSON string.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox.standin.files import Upload

SPEC_ENV_VAR = "MEDBOT_BOT_API_SPEC"
# Bot API 10.0, the version python-telegram-bot 22.8 speaks; a copy of
# shared/telegram-bot-api-spec (see botapi/LICENSE), shipped as package data.
SHIPPED_SPEC = Path(__file__).parent / "botapi" / "api.json"

_ARRAY = "Array of "
_SCALARS = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})
_INTEGER = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}
_TAG_PATTERN = re.compile(r'always "([^"]+)"|must be ([a-z_]+)')


def default_spec_path() -> Path:
    """``$MEDBOT_BOT_API_SPEC``, else the copy shipped with the package (``botapi/api.json``)."""
    override = os.environ.get(SPEC_ENV_VAR)
    return Path(override) if override else SHIPPED_SPEC


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: dict[str, FieldSpec] | None  # None: an object the spec does not describe
    subtypes: tuple[str, ...] = ()
    tag: tuple[str, str] | None = None  # discriminating field and its fixed value


@dataclass
class DecodedCall:
    method: str
    params: dict[str, Any]
    violations: list[str]


def _fields(raw: Mapping[str, Any]) -> dict[str, FieldSpec]:
    return {
        field["name"]: FieldSpec(field["name"], tuple(field["types"]), bool(field["required"]))
        for field in raw.get("fields", [])
    }


def _tag(raw: Mapping[str, Any]) -> tuple[str, str] | None:
    if not raw.get("subtype_of"):
        return None
    for field in raw.get("fields", []):
        match = _TAG_PATTERN.search(field["description"])
        if match and field["name"] in {"type", "status", "source"}:
            return field["name"], match.group(1) or match.group(2)
    return None


@functools.cache
def _load(path: Path) -> BotApiSpec:
    return BotApiSpec(json.loads(path.read_text(encoding="utf-8")))


def _text_scalar(value: str, type_name: str) -> tuple[Any, list[str]] | None:
    """A scalar sent as text (urlencoded or multipart): numbers and booleans are parsed."""
    text = value.strip()
    if type_name in {"String", "InputFile"}:
        return value, []
    parsed: object = None
    if type_name == "Integer" and _INTEGER.fullmatch(text):
        parsed = int(text)
    elif type_name == "Float" and _FLOAT.fullmatch(text):
        parsed = float(text)
    elif type_name == "Boolean":
        parsed = _BOOLEAN_WORDS.get(text.lower())
    return None if parsed is None else (parsed, [])


def _json_scalar(value: object, type_name: str) -> tuple[Any, list[str]] | None:
    fits = {
        "String": isinstance(value, str),
        "Integer": isinstance(value, int) and not isinstance(value, bool),
        "Float": isinstance(value, int | float) and not isinstance(value, bool),
        "Boolean": isinstance(value, bool),
        "InputFile": isinstance(value, Upload | str),
    }
    return (value, []) if fits[type_name] else None


def _kind(value: object, *, as_text: bool) -> str:
    if isinstance(value, Upload):
        return "a file upload"
    if as_text and isinstance(value, str):
        return "unparsable text"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names |= {dict: "an object", list: "an array", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class BotApiSpec:
    """Methods and types of the Bot API, with case-insensitive method lookup."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, dict[str, FieldSpec]] = {
            name: _fields(method) for name, method in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name,
                _fields(raw_type) if "fields" in raw_type else None,
                tuple(raw_type.get("subtypes", ())),
                _tag(raw_type),
            )
            for name, raw_type in raw["types"].items()
        }
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: str | Path | None = None) -> BotApiSpec:
        """The spec at ``path`` (default: ``default_spec_path()``), read once per process."""
        spec_path = Path(path) if path is not None else default_spec_path()
        return _load(spec_path.resolve())

    def method_name(self, name: str) -> str | None:
        """The spec's spelling of a method name, matched case-insensitively."""
        return self._by_lower.get(name.lower())

    def validate_call(
        self, method: str, params: Mapping[str, object], *, as_text: bool | Collection[str] = False
    ) -> list[str]:
        """Violations of the spec by a call.

        ``as_text`` tells which values came as text (urlencoded, multipart or query string):
        True for all of them, or the names of those parameters.
        """
        return self.decode_call(method, params, as_text=as_text).violations

    def validate_value(self, type_name: str, value: object) -> list[str]:
        """Violations of the spec by a JSON value of a type (to check our own answers)."""
        return self._value(value, (type_name,), type_name, as_text=False, top=False)[1]

    def decode_call(
        self, method: str, params: Mapping[str, object], *, as_text: bool | Collection[str] = False
    ) -> DecodedCall:
        """Typed parameters of a call, and the spec violations found on the way."""
        name = self.method_name(method)
        if name is None:
            return DecodedCall(method, dict(params), [f"unknown method {method!r}"])
        fields = self.methods[name]
        decoded: dict[str, Any] = {}
        violations: list[str] = []
        for key, value in params.items():
            if value is None:
                continue
            field = fields.get(key)
            if field is None:
                violations.append(f"unknown parameter {key!r}")
                continue
            text = as_text if isinstance(as_text, bool) else key in as_text
            typed, errors = self._value(value, field.types, key, as_text=text, top=True)
            violations.extend(errors)
            decoded[key] = typed
        violations.extend(
            f"missing required parameter {field.name!r}"
            for field in fields.values()
            if field.required and params.get(field.name) is None
        )
        return DecodedCall(name, decoded, violations)

    def _value(
        self, value: object, types: tuple[str, ...], path: str, *, as_text: bool, top: bool
    ) -> tuple[Any, list[str]]:
        best: tuple[Any, list[str]] | None = None
        for type_name in types:
            attempt = self._as_type(value, type_name, path, as_text=as_text, top=top)
            if attempt is None:
                continue  # the value is not even of this kind
            if not attempt[1]:
                return attempt
            if best is None or len(attempt[1]) < len(best[1]):
                best = attempt
        if best is not None:
            return best
        expected = " or ".join(types)
        return value, [f"{path}: expected {expected}, got {_kind(value, as_text=as_text)}"]

    def _as_type(
        self, value: object, type_name: str, path: str, *, as_text: bool, top: bool
    ) -> tuple[Any, list[str]] | None:
        """The decoded value and its errors, or None when the value's kind does not fit."""
        if isinstance(value, str) and (as_text or top) and self._is_structured(type_name):
            try:
                value = json.loads(value)
            except ValueError:
                return value, [f"{path}: expected a JSON-serialized {type_name}"]
            as_text = False
        if type_name.startswith(_ARRAY):
            return self._array(value, type_name.removeprefix(_ARRAY), path)
        if type_name in _SCALARS:
            text = value if as_text and isinstance(value, str) else None
            return _json_scalar(value, type_name) if text is None else _text_scalar(text, type_name)
        if isinstance(value, dict):
            return self._object(value, type_name, path)
        if type_name == "KeyboardButton" and isinstance(value, str):
            return value, []  # Telegram accepts a bare label as a text button
        return None

    def _is_structured(self, type_name: str) -> bool:
        return type_name.startswith(_ARRAY) or type_name in self.types.keys() - _SCALARS

    def _array(self, value: object, item_type: str, path: str) -> tuple[Any, list[str]] | None:
        if not isinstance(value, list):
            return None
        items = [
            self._value(item, (item_type,), f"{path}[{i}]", as_text=False, top=False)
            for i, item in enumerate(value)
        ]
        return [item for item, _ in items], [error for _, errors in items for error in errors]

    def _object(self, value: dict[str, Any], type_name: str, path: str) -> tuple[Any, list[str]]:
        spec = self.types[type_name]
        if spec.subtypes:
            return self._union(value, spec, path)
        if spec.fields is None:
            return value, []
        decoded: dict[str, Any] = {}
        errors: list[str] = []
        for key, item in value.items():
            field = spec.fields.get(key)
            if field is None:
                errors.append(f"{path}: unknown field {key!r} in {type_name}")
                continue
            decoded[key], item_errors = self._value(
                item, field.types, f"{path}.{key}", as_text=False, top=False
            )
            errors.extend(item_errors)
        errors.extend(
            f"{path}: missing required field {field.name!r} of {type_name}"
            for field in spec.fields.values()
            if field.required and field.name not in value
        )
        return decoded, errors

    def _union(self, value: dict[str, Any], spec: TypeSpec, path: str) -> tuple[Any, list[str]]:
        candidates = [self.types[name] for name in spec.subtypes]
        tagged = [c for c in candidates if c.tag and value.get(c.tag[0]) == c.tag[1]]
        if any(c.tag for c in candidates) and not tagged:
            tag_field = next(c.tag[0] for c in candidates if c.tag)
            return value, [f"{path}: {tag_field} does not name any kind of {spec.name}"]
        best: tuple[Any, list[str]] | None = None
        for candidate in tagged or candidates:
            attempt = self._object(value, candidate.name, path)
            if not attempt[1]:
                return attempt
            if best is None or len(attempt[1]) < len(best[1]):
                best = attempt
        return best if best is not None else (value, [])
