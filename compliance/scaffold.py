"""``compliance plugin new NAME``: write a ready plugin package from the templates in
``compliance/scaffold_templates/``.

The generated package is a complete, installable plugin: a pyproject with the
``compliance.plugins`` entry point, one indicator with its evidence type, schema and a
profile preset holding its thresholds, a case file, tests and a README. A test generates
one, installs it into a fresh virtual environment, runs its tests and checks a bundle
with it, so the template cannot rot.

Templates are plain files ending in ``.tmpl`` with ``{{name}}`` placeholders (not Jinja or
``string.Template``: JSON Schemas are full of ``$`` and braces). Path parts ``__module__``,
``__evidence__``, ``__profile__`` and ``__code__`` are placeholders too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from compliance.errors import UsageError
from compliance.indicator import CODE_PATTERN

__all__ = ["PluginNames", "plugin_names", "scaffold"]

TEMPLATES = "compliance.scaffold_templates"
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DIMENSION = re.compile(r"^[A-Z]{1,5}$")
_PREFIX = "compliance-"


@dataclass(frozen=True)
class PluginNames:
    """Every name the templates need, derived from the one the user gives."""

    dist: str  # compliance-elevator-safety
    module: str  # compliance_elevator_safety
    profile: str  # elevator-safety
    evidence: str  # elevator_safety_inspections
    cls: str  # ElevatorSafety
    code: str
    dimension: str
    title: str

    def placeholders(self) -> dict[str, str]:
        return {
            "dist": self.dist,
            "module": self.module,
            "profile": self.profile,
            "evidence": self.evidence,
            "class": self.cls,
            "code": self.code,
            "dimension": self.dimension,
            "title": self.title,
        }


def plugin_names(
    name: str, *, code: str = "XX01", dimension: str = "SI", title: str | None = None
) -> PluginNames:
    """Check the user's choices and derive the package's names.

    :param name: ``elevator-safety`` or ``compliance-elevator-safety`` (lower case,
        digits and single hyphens); the distribution is always ``compliance-<name>``.
    :raises UsageError: a name, code, dimension or title the templates cannot hold.
    """
    if not _NAME.match(name):
        raise UsageError(
            f"plugin name {name!r} must be lower-case letters and digits joined by hyphens"
        )
    dist = name if name.startswith(_PREFIX) else _PREFIX + name
    short = dist[len(_PREFIX) :]
    if not short:
        raise UsageError("the plugin name needs more than the compliance- prefix")
    if not CODE_PATTERN.match(code):
        raise UsageError(f"indicator code {code!r} must be 2-5 capitals and digits, like EV01")
    if not _DIMENSION.match(dimension):
        raise UsageError(f"dimension {dimension!r} must be a code of capitals, like SI")
    words = short.split("-")
    title = title if title is not None else " ".join(words).capitalize()
    # The title lands inside TOML, YAML, JSON and Python string literals.
    if not title.strip() or any(ch in title for ch in '"\\\n\r{}'):
        raise UsageError("the title must be one line without quotes, backslashes or braces")
    return PluginNames(
        dist=dist,
        module=dist.replace("-", "_"),
        profile=short,
        evidence=f"{short.replace('-', '_')}_inspections",
        cls="".join(w.capitalize() for w in words) or "Indicator",
        code=code,
        dimension=dimension,
        title=title.strip(),
    )


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _walk(node: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    out = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            if child.name != "__pycache__":
                out.extend(_walk(child, (*prefix, child.name)))
        elif child.name.endswith(".tmpl"):
            out.append(((*prefix, child.name), child.read_text("utf-8")))
    return out


def scaffold(directory: Path | str, names: PluginNames) -> list[Path]:
    """Write the plugin package into ``directory/<dist>`` and return the files written.

    :raises UsageError: the target folder already exists (nothing is overwritten).
    """
    root = Path(directory) / names.dist
    if root.exists():
        raise UsageError(f"{root} already exists; choose another name or folder")
    values = names.placeholders()
    path_values = {f"__{k}__": v for k, v in values.items() if k != "class"}
    written = []
    for parts, text in _walk(files(TEMPLATES)):
        rel = []
        for part in parts:
            for key, value in path_values.items():
                part = part.replace(key, value)
            rel.append(part)
        rel[-1] = rel[-1].removesuffix(".tmpl")
        target = root.joinpath(*rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(text, values), encoding="utf-8")
        written.append(target)
    return written
