"""Audit the safety of smart communities from evidence bundles.

The public API: :func:`check` audits one bundle and returns the report model;
:data:`hookimpl` marks plugin hook implementations. Heavy modules load on first use so
``compliance --version`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compliance.hookspecs import hookimpl

if TYPE_CHECKING:
    from compliance.runner import check

__version__ = "0.1.0"
__all__ = ["__version__", "check", "hookimpl"]


def __getattr__(name: str) -> Any:
    if name == "check":
        from compliance.runner import check

        return check
    raise AttributeError(f"module 'compliance' has no attribute {name!r}")
