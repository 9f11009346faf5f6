from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from compliance.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "bundles"
# What a source distribution of the engine holds: enough to build and install it.
SOURCES = (
    "compliance",
    "plugins",
    "schemas",
    "reports",
    "pyproject.toml",
    "setup.py",
    "README.md",
    "LICENSE",
)


def copy_sources(dest: Path) -> Path:
    """A clean copy of the engine's sources in ``dest``: no caches, egg-info or built
    extensions of the working tree, so an install from it builds what a user's does."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.so", "*.pyd")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, dest / name, ignore=ignore)
        elif path.is_file():
            shutil.copy2(path, dest / name)
    return dest


SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def host() -> PluginHost:
    """Every installed plugin, loaded once (tests must not mutate it)."""
    return PluginHost()


@pytest.fixture(scope="session")
def sample_bundle(tmp_path_factory: pytest.TempPathFactory, host: PluginHost) -> Path:
    """A small synthetic bundle of good quality, written once per session."""
    from compliance.sample import write_sample

    out = tmp_path_factory.mktemp("sample") / "bundle"
    write_sample(out, host=PluginHost(), seed=7, rows=3000, quality="good")
    return out


def write_manifest(directory: Path, evidence: list[dict[str, str]], **overrides: object) -> Path:
    manifest = {
        "schema_version": 1,
        "community": {
            "id": "t-0001",
            "name": "Test Community",
            "city": "Shenzhen",
            "district": "Futian",
            "population": 10000,
            "households": 3500,
        },
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "submitter": {"organization": "Test office"},
        "evidence": evidence,
    }
    manifest.update(overrides)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bundle.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path
