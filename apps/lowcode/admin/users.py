"""Users and their roles as a System Manager manages them (REST API and desk alike).

``lowcode.users`` holds the unguarded primitives (the CLI and new-site use them); these
actions check the acting user, the whole input and the self-protection rules first.
"""

from __future__ import annotations

import re
import secrets
import string

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from lowcode import context, users
from lowcode.exceptions import DoesNotExistError, FieldError, ValidationError
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.permissions.core import ADMINISTRATOR, SYSTEM_MANAGER, require_system_manager
from lowcode.query import reads

ROLE = "Role"
# Roles every user holds implicitly, or that only the Administrator account is.
IMPLICIT_ROLES = frozenset({"All", "Guest", "Administrator"})
PASSWORD_LENGTH = 14
USERNAME_RE = re.compile(r"^[\w.@+-]+$")


# --------------------------------------------------------------------------- reads


def role_names(user: str) -> list[str]:
    """Every enabled Role record, by name."""
    rows = reads.get_list(
        user,
        ROLE,
        fields=["name"],
        filters=[["disabled", "=", 0]],
        order_by="name asc",
        limit=1000,
    )
    return [r["name"] for r in rows]


def assignable_roles(user: str) -> list[str]:
    return [r for r in role_names(user) if r not in IMPLICIT_ROLES]


def department_doctype() -> str | None:
    return get_hooks("department_doctype")


def department_names(user: str) -> list[str]:
    doctype = department_doctype()
    if not doctype:
        return []
    rows = reads.get_list(user, doctype, fields=["name"], order_by="name asc", limit=10_000)
    return [r["name"] for r in rows]


def get_user(username: str):
    """The account, or "not found" (missing users are answered like documents)."""
    account = get_user_model().objects.select_related("profile").filter(username=username).first()
    if account is None:
        raise DoesNotExistError(_("User {user} not found", user=username))
    return account


def roles_of(username: str) -> set[str]:
    from lowcode.models import HasRole

    return set(HasRole.objects.filter(user__username=username).values_list("role", flat=True))


def account_values(account) -> dict:
    """An account as the API and the desk's user form show it."""
    profile = getattr(account, "profile", None)
    return {
        "username": account.username,
        "full_name": profile.full_name if profile else "",
        "email": account.email,
        "department": profile.department if profile else "",
        "roles": sorted(roles_of(account.username)),
        "enabled": int(account.is_active),
    }


# --------------------------------------------------------------------------- actions


def _profile_errors(user: str, values: dict) -> list[FieldError]:
    errors = []
    email = values.get("email") or ""
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(
                FieldError(
                    "email", "email", _("{label} is not a valid email address", label=_("Email"))
                )
            )
    department = values.get("department") or ""
    if department and department not in department_names(user):
        errors.append(
            FieldError(
                "department",
                "link",
                _("Department {department} does not exist", department=department),
            )
        )
    unknown = set(values.get("roles") or ()) - set(assignable_roles(user))
    if unknown:
        errors.append(
            FieldError(
                "roles", "link", _("Role {role} does not exist", role=", ".join(sorted(unknown)))
            )
        )
    return errors


@transaction.atomic
def do_create_user_account(user: str, values: dict):
    """Create a user with a password that passes the site's validators; all or nothing.

    ``values``: username, full_name, email, department, roles, enabled (default True), password.
    """
    require_system_manager(user)
    User = get_user_model()
    username = (values.get("username") or "").strip()
    errors = []
    if not username or len(username) > 140 or not USERNAME_RE.match(username):
        errors.append(
            FieldError(
                "username",
                "format",
                _("A user name is 1 to 140 letters, digits or the characters @ . + - _"),
            )
        )
    elif User.objects.filter(username=username).exists():
        errors.append(
            FieldError("username", "unique", _("User {user} already exists", user=username))
        )
    errors += _profile_errors(user, values)
    password = values.get("password") or ""
    if not password:
        errors.append(FieldError("password", "reqd", _("{field} is required", field=_("Password"))))
    else:
        errors += users.password_errors(
            password,
            username=username,
            full_name=(values.get("full_name") or "").strip(),
            email=values.get("email") or "",
        )
    if errors:
        raise ValidationError(_("The user was not created"), errors)
    created = users.do_create_user(
        username,
        password,
        full_name=(values.get("full_name") or "").strip(),
        email=values.get("email") or "",
        roles=list(values.get("roles") or ()),
        department=values.get("department") or "",
    )
    if not values.get("enabled", True):
        created.is_active = False
        created.save(update_fields=["is_active"])
    return created


@transaction.atomic
def do_update_user_account(user: str, username: str, values: dict):
    """Change a user's name, email, department, roles and whether they may log in.

    Keys left out of ``values`` keep their current value (the API sends only what changes;
    the desk's form sends everything).
    """
    from lowcode.models import UserProfile

    require_system_manager(user)
    account = get_user(username)
    profile = getattr(account, "profile", None)
    current = roles_of(username)
    values = {
        "full_name": profile.full_name if profile else "",
        "email": account.email,
        "department": profile.department if profile else "",
        "roles": sorted(current - IMPLICIT_ROLES),
        "enabled": account.is_active,
        **values,
    }
    roles = set(values.get("roles") or ())
    enabled = bool(values.get("enabled"))
    errors = _profile_errors(user, values)
    if username == user and not enabled:
        errors.append(FieldError("enabled", "self", _("You cannot disable your own account")))
    if username == ADMINISTRATOR and not enabled:
        errors.append(FieldError("enabled", "self", _("Administrator cannot be disabled")))
    if username == user and SYSTEM_MANAGER in current and SYSTEM_MANAGER not in roles:
        errors.append(
            FieldError("roles", "self", _("You cannot take the System Manager role from yourself"))
        )
    if errors:
        raise ValidationError(_("The user was not saved"), errors)
    account.email = values.get("email") or ""
    account.is_active = enabled
    account.save(update_fields=["email", "is_active"])
    UserProfile.objects.update_or_create(
        user=account,
        defaults={
            "full_name": (values.get("full_name") or "").strip() or username,
            "department": values.get("department") or "",
        },
    )
    users.do_add_roles(username, sorted(roles - current))
    users.do_remove_roles(username, sorted(current - roles - {ADMINISTRATOR}))
    context.forget("user_department")
    return account


def generate_password() -> str:
    """A random password the site's validators accept (letters, digits and a symbol)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _i in range(PASSWORD_LENGTH - 1))
        password = body[:6] + secrets.choice("-_.!@#") + body[6:]
        if (
            any(c.isdigit() for c in password)
            and any(c.isupper() for c in password)
            and any(c.islower() for c in password)
        ):
            return password


@transaction.atomic
def do_reset_user_password(user: str, username: str) -> str:
    """Give the user a new random password (their sessions end); return it to show once."""
    require_system_manager(user)
    account = get_user(username)
    password = generate_password()
    password_validation.validate_password(password, account)
    account.set_password(password)
    account.save(update_fields=["password"])
    return password


def do_issue_api_key(user: str, username: str) -> tuple[str, str]:
    """A new key pair for the user (the old one is revoked); the secret is shown once."""
    require_system_manager(user)
    get_user(username)
    return users.do_generate_api_key(username)


def do_revoke_user_api_keys(user: str, username: str) -> int:
    require_system_manager(user)
    get_user(username)
    return users.do_revoke_api_keys(username)
