"""URL map: the REST API under /api, the desk under /app (plus /login, PWA files)."""

from django.urls import include, path
from django.views.generic import RedirectView

from lowcode.api.index import index
from lowcode.api.views import serve_file
from lowcode.printing.api import printview

urlpatterns = [
    # People land on the desk (guests on its login page); the API's own front page is /api/.
    path("", RedirectView.as_view(url="/app", permanent=False), name="index"),
    path("api/", index, name="api-index"),
    path("api/", include("lowcode.api.urls")),
    path("", include("lowcode.desk.urls")),
    # Frappe's print page: a document through a Print Format (HTML, strict CSP).
    path("printview", printview, name="printview"),
    path("files/<path:path>", serve_file, name="public-file"),
    path("private/files/<path:path>", serve_file, {"private": True}, name="private-file"),
]

# A refusal raised as PermissionDenied (a form posted while viewing as): JSON or a desk page.
handler403 = "lowcode.api.errors.permission_denied"
# Unknown /api/ URLs answer JSON like every other API error.
handler404 = "lowcode.api.errors.page_not_found"
# The database or Redis down: 503 + Retry-After (JSON for the API), not Django's HTML 500.
handler500 = "lowcode.api.errors.server_error"
