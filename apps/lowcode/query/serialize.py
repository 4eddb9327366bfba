"""Python values → JSON values in Frappe's formats."""

from __future__ import annotations

from lowcode.storage.values import to_json

__all__ = ["to_json"]
