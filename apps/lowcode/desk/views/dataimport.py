"""Desk screens: dataimport (routes registered by lowcode.desk.urls)."""

urlpatterns: list = []
