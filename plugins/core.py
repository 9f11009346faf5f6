"""Pack-wide contributions: the default profile."""

from __future__ import annotations

from importlib.resources import files

from compliance import hookimpl
from compliance.profile import ProfileSource


@hookimpl
def compliance_profiles() -> list[ProfileSource]:
    root = files("compliance_builtin").joinpath("profiles")
    return [
        ProfileSource(
            "default",
            root.joinpath("default.yaml"),
            "All 32 indicators, equal weights, one-year assessment thresholds.",
        )
    ]
