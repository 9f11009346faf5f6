"""The renderer contract. Built-in formats register through ``compliance_renderers``
exactly like a plugin's would."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compliance.report.model import Report

__all__ = ["Renderer"]


@dataclass(frozen=True)
class Renderer:
    """A report format.

    :param name: what ``--format`` takes (``html``).
    :param extension: the file extension written (``html`` -> ``report.html``).
    :param render: turns the report model into the file's bytes; must be deterministic
        for a given report (no clocks, no randomness, stable ordering).
    """

    name: str
    extension: str
    media_type: str
    render: Callable[[Report], bytes]
    description: str = ""
