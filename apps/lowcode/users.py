"""Actions on users, roles and API keys."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lowcode import context
from lowcode.exceptions import ValidationError
from lowcode.i18n import _


def _hash_secret(secret: str) -> str:
    # Secrets are 30 random characters, so a fast hash is safe and keeps
    # token authentication cheap on every request.
    return hashlib.sha256(secret.encode()).hexdigest()


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
