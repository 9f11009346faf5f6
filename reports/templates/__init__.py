"""Jinja templates for the html and md reports (package data; see pyproject's package-dir)."""
