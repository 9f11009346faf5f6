"""Errors the engine raises on purpose, each mapped to an exit code by the CLI.

Every message is one line that says what is wrong and where. Messages never
quote evidence content: evidence may hold residents' personal data.
"""

from __future__ import annotations

__all__ = [
    "BundleError",
    "ComplianceError",
    "ProfileError",
    "UsageError",
]


class ComplianceError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = " ".join(str(message).split())
        self.where = where
        super().__init__(self.line())

    def line(self) -> str:
        """The single line shown to the user."""
        if self.where:
            return f"{self.where}: {self.message}"
        return self.message


class UsageError(ComplianceError):
    """The caller asked for something that cannot be done (unknown format, bad option)."""


class BundleError(ComplianceError):
    """The bundle is unreadable, unsafe or its manifest is invalid (exit 2)."""


class ProfileError(ComplianceError):
    """The profile cannot be found, parsed or fails its schema (exit 2)."""
