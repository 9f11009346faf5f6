"""The built-in indicator pack: the 32 smart-community safety indicators.

Installed as the import package ``compliance_builtin``. Every module registers through the
``compliance.plugins`` entry-point group exactly as a third-party plugin would, using only
the public API (:mod:`compliance.indicator`, :data:`compliance.hookimpl`). One module per
indicator, named by its code (``se15_operation_safeguard``): the indicator class, the
evidence types it reads, their schemas, and generators for sample evidence.
"""
