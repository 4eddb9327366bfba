"""The desk: the server-rendered web UI generated from metadata (Django templates + HTMX)."""
