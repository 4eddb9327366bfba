"""Global search: the results page and the suggestions shown while typing."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from lowcode.desk.lib import search
from lowcode.desk.views.common import desk_view


@desk_view
def search_page(request, user):
    text = (request.GET.get("q") or "").strip()
    groups = search.global_search(user, text) if text else []
    return render(request, "desk/search.html", {"groups": groups, "search_text": text})


@desk_view
def suggest(request, user):
    """The drop-down under the search box (HTMX, debounced in the box's ``hx-trigger``)."""
    text = (request.GET.get("q") or "").strip()
    rows = search.suggestions(user, text) if text else []
    return render(request, "desk/search_suggest.html", {"rows": rows, "search_text": text})


urlpatterns = [
    path("app/search", search_page, name="desk-search"),
    path("app/search/suggest", suggest, name="desk-search-suggest"),
]
