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
    full_name = getattr(profile, "full_name", "") or user
    viewing_as = getattr(request, "viewing_as", None)
    if viewing_as:
        # A System Manager viewing as someone sees their desk, named in the banner.
        from lowcode.permissions.core import full_names

        full_name = full_names([viewing_as]).get(viewing_as, viewing_as)
        data["desk_viewing_as"] = viewing_as
    data.update(
        {
            "desk_full_name": full_name,
            "desk_nav": nav.main_entries(user),
            "desk_settings_nav": nav.settings_entries(user),
            "desk_bottom_tabs": nav.bottom_tabs(user),
            "desk_is_admin": nav.is_system_manager(user),
        }
    )
    return data
