"""The controller base class every DocType model mixes in.

A DocType's model is built from its JSON (see ``factory``); its controller
(``<app>/doctype/<name>/<name>.py``) subclasses ``Document`` and overrides
lifecycle methods. Lifecycle order, driven by ``lowcode.documents.actions``:
``before_insert → validate → before_save → (write) → after_insert → on_update``,
plus ``before_submit/on_submit``, ``before_cancel/on_cancel``, ``on_trash/after_delete``.
"""

from __future__ import annotations

from typing import Any, ClassVar

_get_meta: Any = None


def _meta_of(doctype: str):
    global _get_meta
    if _get_meta is None:
        from lowcode.meta.registry import get_meta

        _get_meta = get_meta
    return _get_meta(doctype)


LIFECYCLE_METHODS = (
    "before_insert",
    "validate",
    "before_save",
    "after_insert",
    "on_update",
    "before_submit",
    "on_submit",
    "before_cancel",
    "on_cancel",
    "on_trash",
    "after_delete",
    "before_update_after_submit",
    "on_update_after_submit",
)


class Document:
    """Field access, child rows and no-op lifecycle hooks for every DocType."""

    doctype: ClassVar[str] = ""
    # Standard columns, declared for type checkers; the model defines them.
    name: str
    owner: str
    creation: Any
    modified: Any
    modified_by: str
    docstatus: int
    idx: int
    _custom: dict[str, Any]
    _state: Any
    # Set by actions while a lifecycle runs: the saved state before this save.
    _doc_before_save: Document | None = None
    # Set by every action before lifecycle events run: the user performing it. Hooks use this,
    # not ``modified_by``, which still names the previous editor during a delete.
    acting_user: str = ""

    @property
    def meta(self):
        return _meta_of(self.doctype)

    @property
    def is_new(self) -> bool:
        return bool(self._state.adding)

    def get(self, fieldname: str, default: Any = None) -> Any:
        """Return a standard, JSON-defined or custom field's value."""
        field = _meta_of(self.doctype).get_field(fieldname)
        if field is not None:
            if field.is_table:
                return self.get_children(fieldname)
            if field.is_custom:
                return (self._custom or {}).get(fieldname, default)
        value = getattr(self, fieldname, default)
        return default if value is None else value

    def set(self, fieldname: str, value: Any) -> None:
        field = _meta_of(self.doctype).get_field(fieldname)
        if field is not None and field.is_table:
            self.set_children(fieldname, value)
        elif field is not None and field.is_custom:
            from lowcode.storage.values import to_json

            custom = dict(self._custom or {})
            # A JSON column cannot hold Decimal or dates: store them as the API shows them.
            custom[fieldname] = value if isinstance(value, bool) else to_json(value)
            self._custom = custom
        else:
            setattr(self, fieldname, value)

    def get_children(self, fieldname: str) -> list:
        """Return the child rows of a Table field, loading them once."""
        cache = self.__dict__.setdefault("_children", {})
        if fieldname not in cache:
            from lowcode.storage.factory import get_model

            field = self.meta.get_field(fieldname)
            if field is None or self.is_new:
                cache[fieldname] = []
            else:
                model: Any = get_model(field.options or "")
                cache[fieldname] = list(
                    model.objects.filter(
                        parent=self.name, parenttype=self.doctype, parentfield=fieldname
                    ).order_by("idx")
                )
        return cache[fieldname]

    def set_children(self, fieldname: str, rows: list) -> None:
        self.__dict__.setdefault("_children", {})[fieldname] = list(rows)

    def get_title(self) -> str:
        title_field = self.meta.title_field
        return str(self.get(title_field) or self.name) if title_field else str(self.name)

    # Lifecycle hooks: controllers override the ones they need.
    def before_insert(self) -> None: ...
    def validate(self) -> None: ...
    def before_save(self) -> None: ...
    def after_insert(self) -> None: ...
    def on_update(self) -> None: ...
    def before_submit(self) -> None: ...
    def on_submit(self) -> None: ...
    def before_cancel(self) -> None: ...
    def on_cancel(self) -> None: ...
    def on_trash(self) -> None: ...
    def after_delete(self) -> None: ...
    def before_update_after_submit(self) -> None: ...
    def on_update_after_submit(self) -> None: ...
