"""Actions on users, roles, passwords and API keys.

Every password is set here, whatever the path (desk, REST, CLI, new-site), so each one passes
the site's AUTH_PASSWORD_VALIDATORS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from lowcode import context
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _


def _hash_secret(secret: str) -> str:
    # Secrets are 30 random characters, so a fast hash is safe and keeps
    # token authentication cheap on every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def _password_message(error: DjangoValidationError) -> str:
    params = error.params or {}
    if error.code == "password_too_short":
        return _(
            "The password is too short: at least {count} characters",
            count=params.get("min_length", 8),
        )
    if error.code == "password_too_common":
        return _("The password is too common")
    if error.code == "password_entirely_numeric":
        return _("The password cannot be only digits")
    if error.code == "password_too_similar":
        return _("The password is too similar to the user's name, full name or email")
    return " ".join(error.messages)  # another validator: Django's own (zh-hans) text


def password_errors(
    password: str, *, username: str, full_name: str = "", email: str = "", field: str = "password"
) -> list[FieldError]:
    """Django's AUTH_PASSWORD_VALIDATORS on ``password``, each verdict in the user's language."""
    account = get_user_model()(username=username, email=email or "")
    account.full_name = full_name  # type: ignore[attr-defined]  # UserAttributeSimilarity reads it
    try:
        password_validation.validate_password(password, account)
    except DjangoValidationError as exc:
        return [FieldError(field, "password", _password_message(e)) for e in exc.error_list]
    return []


def check_password(
    password: str, *, username: str, full_name: str = "", email: str = "", field: str = "password"
) -> None:
    """Raise a ValidationError naming every rule the password breaks (length, name, common)."""
    errors = password_errors(
        password, username=username, full_name=full_name, email=email, field=field
    )
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)


def _profile_name(user) -> str:
    profile = getattr(user, "profile", None) if user.pk else None
    return getattr(profile, "full_name", "") or ""


@transaction.atomic
def do_set_password(username: str, password: str, *, field: str = "password") -> None:
    """Give the user a new password that passes the site's policy (their sessions end)."""
    user = get_user_model().objects.get(username=username)
    check_password(
        password,
        username=username,
        full_name=_profile_name(user),
        email=user.email,
        field=field,
    )
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def do_change_password(username: str, old_password: str, new_password: str) -> None:
    """Change one's own password: the current one first, then the policy on the new one."""
    user = get_user_model().objects.get(username=username)
    if not user.check_password(old_password or ""):
        message = _("The current password is wrong")
        raise ValidationError(message, [FieldError("old_password", "password", message)])
    do_set_password(username, new_password, field="new_password")


@transaction.atomic
def do_create_user(
    username: str,
    password: str | None = None,
    *,
    full_name: str = "",
    email: str = "",
    roles: list[str] | tuple[str, ...] = (),
    department: str = "",
    is_superuser: bool = False,
):
    """Create (or update) a user with roles and a department; return the user."""
    from lowcode.models import UserProfile

    if not username or len(username) > 140:
        raise ValidationError(_("User name is required (at most 140 characters)"))
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
    if password:
        check_password(
            password,
            username=username,
            full_name=full_name or _profile_name(user),
            email=email or user.email,
        )
        user.set_password(password)
    elif _created:
        user.set_unusable_password()
    user.email = email or user.email
    user.is_superuser = user.is_superuser or is_superuser
    user.is_active = True
    user.save()
    UserProfile.objects.update_or_create(
        user=user, defaults={"full_name": full_name or username, "department": department}
    )
    do_add_roles(username, roles)
    return user


@transaction.atomic
def do_add_roles(username: str, roles) -> None:
    from lowcode.models import HasRole

    user = get_user_model().objects.get(username=username)
    for role in roles:
        HasRole.objects.get_or_create(user=user, role=role)
    context.forget("roles")


@transaction.atomic
def do_remove_roles(username: str, roles) -> None:
    from lowcode.models import HasRole

    HasRole.objects.filter(user__username=username, role__in=list(roles)).delete()
    context.forget("roles")


@transaction.atomic
def do_generate_api_key(username: str) -> tuple[str, str]:
    """Issue a new key pair for the user, revoking the previous one; return (key, secret)."""
    from lowcode.models import ApiKey

    user = get_user_model().objects.get(username=username)
    ApiKey.objects.filter(user=user, revoked__isnull=True).update(revoked=timezone.now())
    key, secret = secrets.token_hex(8), secrets.token_urlsafe(22)
    ApiKey.objects.create(user=user, api_key=key, secret_hash=_hash_secret(secret))
    return key, secret


@transaction.atomic
def do_revoke_api_keys(username: str) -> int:
    from lowcode.models import ApiKey

    return ApiKey.objects.filter(user__username=username, revoked__isnull=True).update(
        revoked=timezone.now()
    )


def user_for_token(key: str, secret: str):
    """Return the active user owning this key pair, or None."""
    from lowcode.models import ApiKey

    row = ApiKey.objects.select_related("user").filter(api_key=key, revoked__isnull=True).first()
    if row is None or not row.user.is_active:
        return None
    if not hmac.compare_digest(row.secret_hash, _hash_secret(secret)):
        return None
    return row.user
