"""JSON Schemas shipped with the package (package data; see pyproject's package-dir)."""
