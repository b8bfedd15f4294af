"""The OpenAPI 3.1 document, made from the operations table and pydantic's JSON Schemas
(JSON Schema 2020-12, OpenAPI 3.1's own dialect), and a readable page of it.

Nothing in it is written by hand twice: each schema is the model that validates the
request or renders the answer (``bot.http.api.schemas``).
"""

from __future__ import annotations

import html
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bot.http.api.operations import Operation
from bot.http.api.schemas import Problem

REF = "#/components/schemas/{model}"
ERRORS = {
    "400": "The request does not match this document",
    "401": "No token, or one unknown or revoked",
    "403": "The token lacks the scope, or the rules forbid it",
    "404": "Not found",
    "409": "The state forbids it now: taken, changed meanwhile, too late, in progress",
    "422": "A value is well-formed but not valid: a national ID, a phone, a range",
    "429": "Too many calls for this token; retry after Retry-After seconds",
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retrying with the same key returns the first answer instead of acting again",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def document(operations: list[Operation], version: str) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for op in operations:
        wanted += [(m, "validation") for m in (op.path_model, op.query, op.body) if m]
        wanted.append((op.response, "serialization"))
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    schemas: dict[str, Any] = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters = _parameters(op.path_model, "path", schemas)
        parameters += _parameters(op.query, "query", schemas)
        if op.method == "POST":
            parameters.append(IDEMPOTENCY_KEY)
        entry: dict[str, Any] = {
            "operationId": op.id,
            "summary": op.summary,
            "tags": [op.tag],
            "description": f"Scope: `{op.scope}` (or `admin`).",
            "parameters": parameters,
            "responses": {
                str(op.status): {
                    "description": "OK",
                    "content": {
                        "application/json": {"schema": refs[(op.response, "serialization")]}
                    },
                },
                **_errors(refs[(Problem, "serialization")]),
            },
        }
        if op.body is not None:
            entry["requestBody"] = {
                "required": op.method != "POST" or op.body.model_fields != {},
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "medbot REST API",
            "version": version,
            "description": "Appointments, patients and the clinic's directory, through the "
            "same rules as the Telegram bot. See docs/api.md.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _parameters(
    model: type[BaseModel] | None, where: str, schemas: dict[str, Any]
) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = schemas[model.__name__]
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": {k: v for k, v in prop.items() if k != "title"},
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _errors(problem_ref: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for status, description in ERRORS.items():
        found[status] = {
            "description": description,
            "content": {"application/problem+json": {"schema": problem_ref}},
        }
    found["429"]["headers"] = {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}
    }
    return found


def page(spec: dict[str, Any]) -> str:
    """A plain page of the document: every operation, its parameters and its body."""
    rows = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            params = ", ".join(
                f"{p['name']} ({p['in']}{', required' if p['required'] else ''})"
                for p in op["parameters"]
            )
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_ref = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>/api/v1"
                f"{html.escape(path)}</code></td><td>{html.escape(op['summary'])}<br>"
                f"<small>{html.escape(op['description'])}</small></td>"
                f"<td>{html.escape(params)}</td><td>{html.escape(body_ref)}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(spec['info']['title'])}</title><style>"
        "body{font-family:sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;"
        "padding:.4em;text-align:left;vertical-align:top}</style></head><body>"
        f"<h1>{html.escape(spec['info']['title'])} {html.escape(spec['info']['version'])}</h1>"
        f"<p>{html.escape(spec['info']['description'])} Send "
        "<code>Authorization: Bearer &lt;token&gt;</code>. Errors are "
        "<code>application/problem+json</code>. The whole document, with every schema: "
        "<a href='openapi.json'>openapi.json</a>.</p><table><tr><th>Method</th>"
        "<th>Path</th><th>What</th><th>Parameters</th><th>Body</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
