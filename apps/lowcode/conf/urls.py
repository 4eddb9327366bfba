"""URL map: the REST API under /api (the desk will add its own routes)."""

from django.urls import include, path

urlpatterns = [path("api/", include("lowcode.api.urls"))]

# Unknown /api/ URLs answer JSON like every other API error.
handler404 = "lowcode.api.errors.page_not_found"
