"""Profiles: loading by name or file, validation, extends."""

from __future__ import annotations

import pytest

from compliance.errors import ProfileError
from compliance.runner import make_registry, resolve_profile


def test_default_profile_covers_all_32(host) -> None:
    profile = resolve_profile("default", host, make_registry(host))
    assert len(profile.indicators) == 32
    assert len(profile.dimensions) == 7
    assert "equal" in profile.weights_note.lower()
    for code in ("SE11", "SE12", "SE13", "SE14", "SE15"):
        assert profile.indicators[code].get("thresholds"), code


def test_extends_overrides_one_threshold(tmp_path, host) -> None:
    path = tmp_path / "city.yaml"
    path.write_text("extends: default\nname: city\nscoring: {pass_min: 90}\n", encoding="utf-8")
    profile = resolve_profile(str(path), host, make_registry(host))
    assert profile.name == "city" and profile.pass_min == 90
    assert len(profile.indicators) == 32


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\n", "/"),
        ("extends: default\nname: x\nscoring: {pass_min: 140}\n", "/scoring/pass_min"),
        ("a: [\n", "invalid YAML"),
        ("- just a list\n", "mapping"),
    ],
)
def test_bad_profiles_fail_with_one_line(tmp_path, host, text, needle) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        resolve_profile(str(path), host, make_registry(host))
    line = info.value.line()
    assert needle in line and "\n" not in line


def test_unknown_profile_name(host) -> None:
    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        resolve_profile("nope", host, make_registry(host))
