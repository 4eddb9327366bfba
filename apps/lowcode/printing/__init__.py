"""Printing: Print Formats (sandboxed Jinja), Letter Heads, HTML print view, PDF, email a document."""
