"""Templates of ``compliance plugin new`` (package data; see :mod:`compliance.scaffold`)."""
