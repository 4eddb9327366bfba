from django.urls import path

from lowcode.api import openapi, views

urlpatterns = [
    path("resource/<str:doctype>", views.resource_list, name="resource-list"),
    path("resource/<str:doctype>/<path:name>", views.resource_doc, name="resource-doc"),
    path("method/<str:method_name>", views.method, name="method"),
    path("openapi.json", openapi.openapi_view, name="openapi"),
]
