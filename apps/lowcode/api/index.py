"""The site's front page until the desk arrives: what is running and where the API is."""

from django.shortcuts import render

from lowcode.i18n import _, current_lang


def index(request):
    links = [
        {
            "href": "/api/openapi.json",
            "label": _("OpenAPI document (every DocType, custom fields included)"),
        },
        {"href": "/api/method/frappe.auth.get_logged_user", "label": _("Who am I")},
        {"href": "/api/resource/Lead", "label": _("Leads (login required)")},
    ]
    return render(
        request,
        "lowcode/index.html",
        {
            "title": _("KuaiCRM is running"),
            "intro": _(
                "The REST API follows Frappe's v1 contract; the web desk comes in a later release."
            ),
            "login_hint": _(
                "Log in with POST /api/method/login (usr, pwd) or send Authorization: token <key>:<secret>."
            ),
            "links": links,
            "lang": current_lang(),
        },
    )
