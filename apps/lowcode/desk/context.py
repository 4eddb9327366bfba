"""Template context every desk page shares: the user, the language and the navigation."""

from __future__ import annotations

from lowcode.i18n import current_lang


def desk_context(request) -> dict:
    user = getattr(request, "frappe_user", "Guest")
    data = {"desk_lang": current_lang(), "desk_user": user}
    if user == "Guest" or not request.path.startswith("/app"):
        return data
    from lowcode.desk.lib import nav

    profile = getattr(request.user, "profile", None)
    data.update(
        {
            "desk_full_name": getattr(profile, "full_name", "") or user,
            "desk_nav": nav.main_entries(user),
            "desk_settings_nav": nav.settings_entries(user),
            "desk_is_admin": nav.is_system_manager(user),
        }
    )
    return data
