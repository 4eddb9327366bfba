"""URL map: the REST API under /api (the desk will add its own routes)."""

from django.urls import include, path

from lowcode.api.index import index
from lowcode.api.views import serve_file

urlpatterns = [
    path("", index, name="index"),
    path("api/", include("lowcode.api.urls")),
    path("files/<path:path>", serve_file, name="public-file"),
    path("private/files/<path:path>", serve_file, {"private": True}, name="private-file"),
]

# Unknown /api/ URLs answer JSON like every other API error.
handler404 = "lowcode.api.errors.page_not_found"
