"""Desk screens: reports (routes registered by lowcode.desk.urls)."""

urlpatterns: list = []
