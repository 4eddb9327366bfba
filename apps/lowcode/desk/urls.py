"""The desk's URL map (Frappe's shape: /app/<doctype-slug>[/<name>])."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from lowcode.desk.views import (
    admin,
    auth,
    boards,
    connections,
    dataimport,
    flow,
    form,
    form_actions,
    health,
    home,
    list_actions,
    listview,
    ordering,
    printing,
    pwa,
    reports,
    search,
)

urlpatterns = [
    path("login", auth.login_page, name="desk-login"),
    path("logout", auth.logout_view, name="desk-logout"),
    path("manifest.webmanifest", pwa.manifest, name="desk-manifest"),
    path("sw.js", pwa.service_worker, name="desk-sw"),
    path("offline", pwa.offline_page, name="desk-offline"),
    path(
        "favicon.ico", RedirectView.as_view(url=static("desk/icons/icon-192.png")), name="favicon"
    ),
    path("app", home.home_page, name="desk-home"),
    path("app/language", auth.set_language, name="desk-language"),
    path("app/approvals", home.approvals_page, name="desk-approvals"),
    path("app/approvals/decide", home.decide, name="desk-approvals-decide"),
    path("app/notifications", home.notifications_page, name="desk-notifications"),
    path("app/notifications/count", home.notification_count, name="desk-notification-count"),
    *search.urlpatterns,
    path("app/scheduler-warning", health.scheduler_warning, name="desk-scheduler-warning"),
    path("app/_link", form.link_options, name="desk-link"),
    path("app/_upload", form.upload, name="desk-upload"),
    # Feature screens register before the generic /app/<slug> routes.
    *boards.urlpatterns,
    *reports.urlpatterns,
    *dataimport.urlpatterns,
    *admin.urlpatterns,
    *connections.urlpatterns,
    *form_actions.urlpatterns,
    *list_actions.urlpatterns,
    *flow.urlpatterns,
    *printing.urlpatterns,
    *ordering.urlpatterns,
    path("app/<str:slug>", listview.list_page, name="desk-list"),
    path("app/<str:slug>/bulk", listview.bulk_action, name="desk-bulk"),
    path("app/<str:slug>/export", listview.export_view, name="desk-export"),
    path("app/<str:slug>/views", listview.save_view, name="desk-save-view"),
    path("app/<str:slug>/new", form.form_page, name="desk-new"),
    path("app/<str:slug>/_state", form.form_state, name="desk-form-state"),
    path("app/<str:slug>/<path:name>/action", form.workflow_action, name="desk-workflow-action"),
    path("app/<str:slug>/<path:name>/comment", form.add_comment, name="desk-comment"),
    path("app/<str:slug>/<path:name>/card-action", listview.card_action, name="desk-card-action"),
    path("app/<str:slug>/<path:name>/do/<str:command>", form.doc_command, name="desk-command"),
    path("app/<str:slug>/<path:name>", form.form_page, name="desk-form"),
]
