"""OpenAPI 3.1 generated from merged metadata (custom fields included)."""

from __future__ import annotations

from django.http import JsonResponse

from lowcode import system_settings
from lowcode.api.errors import error_response
from lowcode.exceptions import AuthenticationError
from lowcode.i18n import _
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import STANDARD_FIELDS
from lowcode.meta.registry import doctype_names, get_meta

STANDARD_SCHEMA: dict[str, dict] = {
    "name": {"type": "string"},
    "owner": {"type": "string"},
    "creation": {"type": "string", "format": "date-time"},
    "modified": {"type": "string", "format": "date-time"},
    "modified_by": {"type": "string"},
    "docstatus": {"type": "integer", "enum": [0, 1, 2]},
    "idx": {"type": "integer"},
}
ERROR = {"$ref": "#/components/schemas/Error"}


def _schema_name(doctype: str) -> str:
    return doctype.replace(" ", "")


def doctype_schema(doctype: str) -> dict:
    meta = get_meta(doctype)
    properties: dict[str, dict] = {name: dict(STANDARD_SCHEMA[name]) for name in STANDARD_FIELDS}
    required = []
    for field in meta.fields:
        if field.is_table:
            properties[field.fieldname] = {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{_schema_name(field.options or '')}"},
            }
        elif field.holds_value:
            field_schema = fieldtypes.openapi_schema(field.fieldtype, field.options)
            schema = field_schema
            schema["title"] = field.label or field.fieldname
            if field.max_length and field.fieldtype in fieldtypes.SHORT_TEXT_TYPES:
                schema["maxLength"] = field.max_length
            if field.is_custom:
                schema["x-custom-field"] = True
            if field.permlevel:
                schema["x-permlevel"] = field.permlevel
            properties[field.fieldname] = schema
            if field.reqd:
                required.append(field.fieldname)
    document: dict = {"type": "object", "title": doctype, "properties": properties}
    if required:
        document["x-required-on-create"] = required
    return document


def _responses(ok_schema: dict, key: str = "data") -> dict:
    return {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {"schema": {"type": "object", "properties": {key: ok_schema}}}
            },
        },
        **{
            code: {"description": text, "content": {"application/json": {"schema": ERROR}}}
            for code, text in (
                ("400", "Malformed request"),
                ("401", "Not authenticated"),
                ("403", "Not permitted"),
                ("404", "Not found"),
                ("409", "Duplicate or stale"),
                ("417", "Validation failed"),
            )
        },
    }


LIST_PARAMETERS = [
    {
        "name": "fields",
        "in": "query",
        "schema": {"type": "string"},
        "description": 'JSON list, e.g. ["name","status"]',
    },
    {
        "name": "filters",
        "in": "query",
        "schema": {"type": "string"},
        "description": 'JSON, e.g. [["status","=","Open"]]',
    },
    {"name": "or_filters", "in": "query", "schema": {"type": "string"}},
    {
        "name": "order_by",
        "in": "query",
        "schema": {"type": "string"},
        "description": "e.g. modified desc",
    },
    {"name": "limit_start", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "limit_page_length", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "as_dict", "in": "query", "schema": {"type": "integer", "enum": [0, 1]}},
]


def build_document() -> dict:
    paths: dict = {}
    schemas: dict = {
        "Error": {
            "type": "object",
            "properties": {
                "exc_type": {"type": "string"},
                "message": {"type": "string"},
                "_server_messages": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "rule": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        },
    }
    for doctype in doctype_names():
        meta = get_meta(doctype)
        ref = {"$ref": f"#/components/schemas/{_schema_name(doctype)}"}
        schemas[_schema_name(doctype)] = doctype_schema(doctype)
        if meta.istable:
            continue
        tag = [doctype]
        paths[f"/api/resource/{doctype}"] = {
            "get": {
                "tags": tag,
                "summary": f"List {doctype}",
                "operationId": f"list{_schema_name(doctype)}",
                "parameters": LIST_PARAMETERS,
                "responses": _responses({"type": "array", "items": ref}),
            },
            "post": {
                "tags": tag,
                "summary": f"Create {doctype}",
                "operationId": f"create{_schema_name(doctype)}",
                "requestBody": {"content": {"application/json": {"schema": ref}}},
                "responses": _responses(ref),
            },
        }
        name_param = [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ]
        paths[f"/api/resource/{doctype}/{{name}}"] = {
            "get": {
                "tags": tag,
                "summary": f"Get {doctype}",
                "operationId": f"get{_schema_name(doctype)}",
                "parameters": name_param,
                "responses": _responses(ref),
            },
            "put": {
                "tags": tag,
                "summary": f"Update {doctype}",
                "operationId": f"update{_schema_name(doctype)}",
                "parameters": name_param,
                "requestBody": {"content": {"application/json": {"schema": ref}}},
                "responses": _responses(ref),
            },
            "delete": {
                "tags": tag,
                "summary": f"Delete {doctype}",
                "operationId": f"delete{_schema_name(doctype)}",
                "parameters": name_param,
                "responses": _responses({"type": "string"}, key="message"),
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "KuaiCRM REST API",
            "version": "1",
            "description": "Frappe-compatible REST API generated from DocType metadata.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "token <api_key>:<api_secret>",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "sid"},
            },
        },
        "security": [{"token": []}, {"session": []}],
    }


def openapi_view(request):
    """Serve the document to logged-in users; System Settings' ``public_openapi`` (or the
    site_config.json key of that name, a host's override) opens it to all.

    It lists every DocType and field of the site, which is no business of an anonymous visitor.
    """
    public = bool(system_settings.value("public_openapi"))
    if not public and getattr(request, "frappe_user", "Guest") == "Guest":
        return error_response(AuthenticationError(_("Not logged in")))
    return JsonResponse(build_document(), json_dumps_params={"ensure_ascii": False})
