"""Desk screens: boards (routes registered by lowcode.desk.urls)."""

urlpatterns: list = []
