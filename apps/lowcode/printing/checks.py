"""Checks of shipped print formats, run at start-up and by ``kuaicrm check``.

printing.E001  A print format file's folder or JSON names an unknown DocType
printing.E002  A print format file's template does not compile
"""

from __future__ import annotations

from django.core.checks import CheckMessage, Error

from lowcode.meta import registry


def run_checks(app_configs=None, **kwargs) -> list[CheckMessage]:
    from lowcode.printing.loader import format_files
    from lowcode.printing.render import check_template

    errors: list[CheckMessage] = []
    for item in format_files():
        doctype = item.data["doc_type"]
        if not registry.exists(doctype):
            errors.append(
                Error(
                    f"Print format file {item.path.name} of app '{item.app}' is for unknown "
                    f"DocType '{doctype}'.",
                    hint="Put it in print_format/<doctype_snake_name>/ or set doc_type in its "
                    ".json to an existing DocType.",
                    obj=str(item.path),
                    id="printing.E001",
                )
            )
        problem = check_template(item.data["html"])
        if problem:
            errors.append(
                Error(
                    f"Print format file {item.path.name} of app '{item.app}' does not compile: "
                    f"{problem}",
                    hint="Fix the Jinja syntax ({% ... %}, {{ ... }}) at that line.",
                    obj=str(item.path),
                    id="printing.E002",
                )
            )
    return errors
