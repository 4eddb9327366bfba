"""Admin screens (System Manager): customisation, workflows, rules, scripts, permissions, users."""

urlpatterns: list = []
