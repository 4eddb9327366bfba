"""Desk views: parse the request, check, call the library or an action, render a template."""
