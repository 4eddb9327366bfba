"""Server script syntax check for the editor: the sandbox's compiler, its errors by line."""

from __future__ import annotations

import dataclasses
import re

from lowcode.scripts.sandbox import compile_script

# RestrictedPython reports "Line 3: SyntaxError: …" (one entry per problem, "; "-joined).
LINE = re.compile(r"Line (\d+):\s*")


@dataclasses.dataclass(frozen=True)
class ScriptError:
    line: int | None
    message: str


def split_errors(text: str) -> list[ScriptError]:
    """Turn the sandbox's joined message into one error per line it names."""
    marks = list(LINE.finditer(text))
    if not marks:
        return [ScriptError(None, text.strip())] if text.strip() else []
    errors = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        errors.append(ScriptError(int(mark.group(1)), text[mark.end() : end].strip(" ;")))
    return errors


def check_syntax(source: str) -> list[ScriptError]:
    """Compile ``source`` as the sandbox would (nothing runs); return its errors."""
    try:
        compile_script(source)
    except SyntaxError as exc:
        return split_errors(str(exc))
    return []
