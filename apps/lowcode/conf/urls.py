"""URL map: the REST API under /api (the desk will add its own routes)."""

from django.urls import include, path

urlpatterns = [path("api/", include("lowcode.api.urls"))]
