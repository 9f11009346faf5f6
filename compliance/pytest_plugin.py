"""The indicator test harness as a pytest plugin, for plugin vendors.

Installing ``community-safety-compliance`` registers this module with pytest (entry point
``pytest11``). It only defines fixtures and imports nothing heavy until a test asks for
one, so it costs nothing in projects that do not use it.

Fixtures:

* ``compliance_host`` (session): a :class:`~compliance.plugins.PluginHost` with every
  installed plugin, your own included once it is installed (``pip install -e .``).
* ``run_indicator``: ``run_indicator(code, evidence, **options) -> Verdict`` on that host
  (see :func:`compliance.testing.run_indicator`).
* ``run_case``: ``run_case(spec, case) -> CaseResult`` for one case of a case file.

Parametrizing a test over a folder of case files::

    from compliance.pytest_plugin import case_params

    @pytest.mark.parametrize(("spec", "case"), case_params(CASES_DIR))
    def test_case(spec, case, run_case):
        result = run_case(spec, case)
        assert result.ok, "; ".join(result.problems)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from compliance.plugins import PluginHost
    from compliance.testing import CaseResult
    from compliance.verdict import Verdict

__all__ = ["case_params"]


def case_params(folder: Path | str) -> list[Any]:
    """One ``pytest.param(spec, case)`` per case of every ``*.yaml`` file in ``folder``,
    with ids ``<code>-<case name>``, for ``@pytest.mark.parametrize(("spec", "case"), ...)``.
    """
    from compliance.testing import load_cases

    params = []
    for path in sorted(Path(folder).glob("*.yaml")):
        spec = load_cases(path)
        for case in spec["cases"]:
            name = str(case.get("name", "?"))
            params.append(pytest.param(spec, case, id=f"{spec['indicator']}-{name}"))
    return params


@pytest.fixture(scope="session")
def compliance_host() -> Iterator[PluginHost]:
    """Every installed ``compliance.plugins`` plugin, loaded once per session."""
    from compliance.plugins import PluginHost

    yield PluginHost()


@pytest.fixture
def run_indicator(compliance_host: PluginHost) -> Callable[..., Verdict]:
    """``run_indicator(code, evidence, **options)`` on the session's plugins."""
    from compliance.testing import run_indicator as run

    def runner(code: str, evidence: list[dict[str, Any]], **options: Any) -> Verdict:
        options.setdefault("host", compliance_host)
        return run(code, evidence, **options)

    return runner


@pytest.fixture
def run_case(compliance_host: PluginHost) -> Callable[..., CaseResult]:
    """``run_case(spec, case)``: one case of a case file on the session's plugins."""
    from compliance.testing import run_case as run

    def runner(spec: dict[str, Any], case: dict[str, Any], **options: Any) -> CaseResult:
        options.setdefault("host", compliance_host)
        return run(spec, case, **options)

    return runner
