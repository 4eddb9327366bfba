"""Read-only desk library: layouts, list settings, indicators, search, dashboards."""
