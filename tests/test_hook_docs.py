"""Meta-tests of the hook reference: every hook documented, the generated page current,
every hook exercised by some test."""

from __future__ import annotations

from compliance import hookdoc

from .conftest import ROOT

TESTS = ROOT / "tests"


def test_every_hook_is_documented() -> None:
    assert hookdoc.hooks(), "no hook specifications found"
    assert hookdoc.problems() == []


def test_generated_reference_is_current() -> None:
    page = ROOT / "docs" / "hooks.md"
    assert page.read_text("utf-8") == hookdoc.render(), (
        "docs/hooks.md is stale: run `python -m compliance.hookdoc docs/hooks.md`"
    )


def test_every_hook_has_a_test() -> None:
    this = __file__.rsplit("/", 1)[-1]
    sources = "\n".join(
        p.read_text("utf-8") for p in sorted(TESTS.glob("test_*.py")) if p.name != this
    )
    untested = [f.__name__ for f in hookdoc.hooks() if f.__name__ not in sources]
    assert not untested, f"hooks no test implements or names: {untested}"


def test_problems_name_what_is_missing(monkeypatch) -> None:
    """The checker itself: an undocumented parameter and a missing :return: are found."""
    from compliance import hookspecs

    @hookspecs.hookspec
    def compliance_sample_hook(thing: int) -> list[int]:
        """Do something."""

    monkeypatch.setattr(hookspecs, "compliance_sample_hook", compliance_sample_hook, raising=False)
    found = hookdoc.problems()
    assert "compliance_sample_hook: parameter thing has no :param thing:" in found
    assert "compliance_sample_hook: returns a value but has no :return:" in found
