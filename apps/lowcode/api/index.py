"""The API's front page (/api/): what is running and where the API and the desk are."""

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
        {"href": "/app", "label": _("The desk (web UI)")},
    ]
    return render(
        request,
        "lowcode/index.html",
        {
            "title": _("KuaiCRM is running"),
            "intro": _(
                "The REST API follows Frappe's v1 contract; people use the web desk at /app."
            ),
            "login_hint": _(
                "Log in with POST /api/method/login (usr, pwd) or send Authorization: token <key>:<secret>."
            ),
            "links": links,
            "lang": current_lang(),
        },
    )
