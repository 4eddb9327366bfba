"""The RestrictedPython policy server scripts run under (no Django: the worker imports it).

Compile with ``compile_restricted`` (names and attributes starting with ``_``, imports of
anything, ``try/except*`` and shadowing of the guard names are refused at compile time),
then run with a small builtins set and guards that refuse, at run time, every attribute
whose name starts with ``_`` (also when built with ``getattr``), the frame/code/traceback
walkers (``gi_frame``, ``f_back``, ``tb_frame`` …), ``str.format``/``format_map`` and
``AttributeError.obj``.
"""

from __future__ import annotations

import operator
import types
from typing import Any

from RestrictedPython import compile_restricted_exec, limited_builtins, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    raise_,
    safer_getattr,
)

FILENAME = "<server script>"

# Objects a script must never hold attributes of: walking them reaches the worker's globals.
_OPAQUE_TYPES = (
    types.FrameType,
    types.CodeType,
    types.TracebackType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    type,
)
# Attributes not in RestrictedPython's list that still lead to frames or foreign objects.
_BLOCKED_NAMES = frozenset(
    {"gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await"}
    | {"ag_frame", "ag_code", "ag_await", "f_back", "f_globals", "f_locals", "f_builtins"}
    | {"tb_frame", "tb_next", "mro", "format", "format_map", "obj"}
)


class SandboxError(Exception):
    """A script tried something the sandbox refuses."""


def compile_script(source: str):
    """Return the restricted code object or raise SyntaxError naming each bad line."""
    result = compile_restricted_exec(source, filename=FILENAME)
    if result.errors or result.code is None:
        raise SyntaxError("; ".join(result.errors) or "invalid script")
    return result.code


def guarded_getattr(obj: Any, name: Any, default: Any = raise_) -> Any:
    """``getattr`` for scripts: no ``_`` names, no frame walking, no ``format``, no ``.obj``."""
    if type(name) is not str:
        raise TypeError("attribute name must be a string")
    if name.startswith("_"):
        raise SandboxError(f'"{name}" is not allowed: attribute names may not start with "_"')
    if isinstance(obj, _OPAQUE_TYPES):
        # Our curated API objects are instances, so plain functions/modules need no attributes.
        raise SandboxError(f'"{name}" is not allowed on {type(obj).__name__} objects')
    if name in _BLOCKED_NAMES:
        raise SandboxError(f'"{name}" is not allowed in server scripts')
    return safer_getattr(obj, name, default)


def _guarded_hasattr(obj: Any, name: str) -> bool:
    try:
        guarded_getattr(obj, name, _MISSING)
    except (AttributeError, SandboxError, NotImplementedError):
        return False
    return guarded_getattr(obj, name, _MISSING) is not _MISSING


_MISSING = object()


def _import(*_args: Any, **_kwargs: Any) -> Any:
    raise ImportError("import is not allowed in server scripts")


_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "|=": operator.ior,
    "&=": operator.iand,
    "^=": operator.ixor,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    return _INPLACE[op](target, value)


def _apply(function: Any, *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


def _builtins() -> dict[str, Any]:
    allowed = dict(safe_builtins)
    allowed.update(limited_builtins)
    for name in ("setattr", "delattr", "_getattr_", "__build_class__", "compile"):
        allowed.pop(name, None)
    allowed.update(
        {
            "__import__": _import,
            "getattr": guarded_getattr,
            "hasattr": _guarded_hasattr,
            "dict": dict,
            "list": list,
            "set": set,
            "frozenset": frozenset,
            "enumerate": enumerate,
            "sum": sum,
            "min": min,
            "max": max,
            "any": any,
            "all": all,
            "sorted": sorted,
            "reversed": reversed,
            "map": map,
            "filter": filter,
            "zip": zip,
            "isinstance": isinstance,
            # range is lazy; the CPU limit bounds loops (RestrictedPython caps it at 1000)
            "range": range,
            "next": next,
            "iter": iter,
        }
    )
    return allowed


SAFE_BUILTINS = _builtins()


class LimitedPrintCollector:
    """Collect ``print`` output up to a byte budget shared by one run."""

    def __init__(self, budget: list[int], _getattr_: Any = None):
        self.budget = budget
        self.txt: list[str] = []

    def write(self, text: str) -> None:
        self.budget[0] -= len(text)
        if self.budget[0] < 0:
            raise SandboxError("output limit exceeded")
        self.txt.append(text)

    def __call__(self) -> str:
        return "".join(self.txt)

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        if kwargs.get("file") is None:
            kwargs["file"] = self
        else:
            raise SandboxError("print(file=...) is not allowed")
        print(*objects, **kwargs)


def make_globals(extra: dict[str, Any], print_collector: Any) -> dict[str, Any]:
    """Return the globals one run of a script starts with."""
    return {
        "__builtins__": SAFE_BUILTINS,
        "__name__": "server_script",
        "__metaclass__": None,
        "_getattr_": guarded_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_apply_": _apply,
        "_print_": print_collector,
        **extra,
    }
