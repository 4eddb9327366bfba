"""Layers are folders (docs/architecture.md): a lower layer never imports a higher one.

Every module of the lower layers (``meta/``, ``storage/``, ``permissions/``, ``query/``) is
read with ``ast``; every ``import`` and ``from … import`` counts, those inside functions (the
lazy ones) and under ``TYPE_CHECKING`` included, relative ones resolved, and so does a
dotted path given as a literal to ``import_module`` / ``import_string``. None may reach the
actions (``documents/``, ``users.py``, ``admin/``, every ``actions.py``), the views
(``api/``, ``desk/``) or a capability app nested in the engine (the core offers hook points
and never depends on them).
"""

from __future__ import annotations

import ast
from pathlib import Path

import lowcode

ENGINE = Path(lowcode.__file__).resolve().parent
LOWER_LAYERS = ("meta", "storage", "permissions", "query")
# Actions and views of the engine itself.
HIGHER = ("documents", "users", "admin", "api", "desk")
# Engine capabilities that are Django apps of their own (docs/architecture.md).
CAPABILITY_APPS = (
    "workflow",
    "scripts",
    "reports",
    "notify",
    "rules",
    "dataio",
    "printing",
    "desk",
)
# Nested Django apps that are not capabilities: the models of DocTypes made at run time,
# which storage builds.
ENGINE_INTERNAL_APPS = ("runtime",)
DYNAMIC_IMPORTERS = ("import_module", "import_string", "__import__")


def _forbidden_prefixes() -> tuple[str, ...]:
    packages = set(HIGHER) | set(CAPABILITY_APPS)
    prefixes = {f"lowcode.{name}" for name in packages}
    # Any other package's actions module (an action is an action wherever it lives).
    for path in ENGINE.rglob("actions.py"):
        parts = path.relative_to(ENGINE.parent).with_suffix("").parts
        prefixes.add(".".join(parts))
    return tuple(sorted(prefixes))


def _is_forbidden(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _package_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
    return parts[:-1]  # a module's package; an __init__'s own package


def _imported(node: ast.AST, package: list[str]) -> list[str]:
    """The dotted modules ``node`` imports (both ``m`` and ``m.name`` for ``from m import name``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        return [module] + [f"{module}.{alias.name}" for alias in node.names]
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in DYNAMIC_IMPORTERS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return [first.value]
    return []


def upward_imports(source: str, path: Path, prefixes: tuple[str, ...]) -> list[str]:
    """``file:line: module`` for every import in ``source`` of a forbidden module."""
    package = _package_of(path)
    found = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        for module in _imported(node, package):
            if _is_forbidden(module, prefixes):
                where = path.relative_to(ENGINE.parent.parent)
                found.append(f"{where}:{node.lineno}: imports {module}")
                break
    return sorted(set(found), key=lambda line: (line.split(":")[0], int(line.split(":")[1])))


def _lower_layer_files() -> list[Path]:
    return sorted(path for layer in LOWER_LAYERS for path in (ENGINE / layer).rglob("*.py"))


def test_every_nested_app_is_classified():
    """A new nested app must be named a capability (or engine-internal) here, not skipped."""
    nested = {path.parent.name for path in ENGINE.glob("*/apps.py")}
    assert nested - set(CAPABILITY_APPS) - set(ENGINE_INTERNAL_APPS) == set()


def test_lower_layers_are_read():
    files = _lower_layer_files()
    for layer in LOWER_LAYERS:
        assert any(path.is_relative_to(ENGINE / layer) for path in files), layer
    assert len(files) >= 20


def test_lower_layers_never_import_actions_or_views():
    prefixes = _forbidden_prefixes()
    assert "lowcode.documents" in prefixes and "lowcode.workflow.actions" in prefixes
    found = []
    for path in _lower_layer_files():
        found += upward_imports(path.read_text(encoding="utf-8"), path, prefixes)
    assert found == [], "upward imports (docs/architecture.md, Layers are folders):\n" + "\n".join(
        found
    )


def test_the_check_sees_lazy_relative_and_dynamic_imports():
    """The walker itself: the imports this test exists to catch are caught."""
    prefixes = _forbidden_prefixes()
    path = ENGINE / "query" / "example.py"
    source = (
        "from lowcode.meta import registry\n"
        "import lowcode.storage.factory\n"
        "from lowcode.documents.secrets import masked\n"
        "def f():\n"
        "    from lowcode.documents import mapping\n"
        "    from ..documents.validation import coerce\n"
        "    from .. import users\n"
        "    import lowcode.workflow.actions\n"
        "    import_module('lowcode.desk.views.form')\n"
        "from lowcode.notify.actions import do_notify\n"
    )
    lines = [line.split(": ", 1)[0] for line in upward_imports(source, path, prefixes)]
    assert lines == [f"apps/lowcode/query/example.py:{n}" for n in (3, 5, 6, 7, 8, 9, 10)]
