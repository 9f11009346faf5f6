"""The YAML loader: libyaml where it is safe, the pure-Python loader where it is not, and
the same data and line numbers from both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import _yaml
from compliance._yaml import YAMLError, load_with_lines, safe_load

ROOT = Path(__file__).resolve().parents[1]
RECORDS = sorted((ROOT / "examples" / "bundles").glob("*/records/*.yaml"))
needs_libyaml = pytest.mark.skipif(_yaml._CLoader is None, reason="PyYAML without libyaml")


def _python_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_yaml, "_CLoader", None)


@needs_libyaml
@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_libyaml_and_python_loaders_agree(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    fast = load_with_lines(text)
    _python_only(monkeypatch)
    assert load_with_lines(text) == fast
    assert fast[1]  # lines were found


def test_the_examples_have_yaml_records() -> None:
    assert len(RECORDS) >= 10


@pytest.mark.parametrize("python_only", [False, True])
def test_dates_stay_text_and_lines_are_one_based(
    python_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if python_only:
        _python_only(monkeypatch)
    data, lines = load_with_lines("when: 2025-01-01\nitems:\n  - a\n  - b: 1\n")
    assert data == {"when": "2025-01-01", "items": ["a", {"b": 1}]}
    assert lines["/when"] == 1 and lines["/items/0"] == 3 and lines["/items/1/b"] == 4


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # flow nesting: libyaml would overflow the C stack
        "".join(" " * i + "a:\n" for i in range(3000)) + " " * 3000 + "b\n",  # block nesting
    ],
    ids=["flow", "block"],
)
def test_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    assert _yaml._nesting_bound(text) > _yaml._C_DEPTH_LIMIT
    code = (
        "import sys; from compliance._yaml import safe_load, YAMLError\n"
        "try:\n    safe_load(sys.stdin.read())\nexcept YAMLError:\n    print('refused')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "refused", done.stderr[-300:]


def test_the_nesting_bound_holds() -> None:
    """The bound is never below the real depth, for flow and block collections alike."""

    def depth(node: object) -> int:
        if isinstance(node, yaml.MappingNode):
            return 1 + max((depth(v) for _, v in node.value), default=0)
        if isinstance(node, yaml.SequenceNode):
            return 1 + max((depth(v) for v in node.value), default=0)
        return 0

    samples = [
        "- - - - - x\n",
        "a:\n- b:\n  - c:\n    - d\n",
        "a: [[{b: [c]}]]\n",
        "".join(" " * i + "k:\n" for i in range(50)) + " " * 50 + "v\n",
        "? - - x\n: y\n",
    ]
    for text in samples:
        assert depth(yaml.compose(text, Loader=yaml.SafeLoader)) <= _yaml._nesting_bound(text)


@pytest.mark.parametrize("python_only", [False, True])
def test_alias_budget_on_both_paths(python_only: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if python_only:
        _python_only(monkeypatch)

    def uses(n: int) -> str:
        return "a: &a [x]\nb: [" + ", ".join(["*a"] * n) + "]\n"

    assert len(safe_load(uses(_yaml.MAX_ALIASES))["b"]) == _yaml.MAX_ALIASES
    with pytest.raises(YAMLError, match="aliases"):
        safe_load(uses(_yaml.MAX_ALIASES + 1))


def test_syntax_errors_carry_a_line() -> None:
    with pytest.raises(YAMLError) as info:
        safe_load("a: 1\nb: [unclosed\nc: 3\n")
    assert info.value.line is not None and info.value.line >= 2


@pytest.mark.parametrize("python_only", [False, True])
@pytest.mark.parametrize(
    "text", ["a: &x [*x]\n", "a: &x {b: [1, {c: *x}]}\n"], ids=["list", "nested"]
)
def test_an_alias_inside_its_own_node_is_refused(
    text: str, python_only: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JSON has no recursive values, and walking one (for line numbers, validation,
    redaction) would never end."""
    if python_only:
        _python_only(monkeypatch)
    with pytest.raises(YAMLError, match="contains it") as info:
        load_with_lines(text)
    assert info.value.line == 1


def test_shared_nodes_keep_their_first_line() -> None:
    data, lines = load_with_lines("a: &x\n  k: 1\nb: *x\n")
    assert data == {"a": {"k": 1}, "b": {"k": 1}}
    assert lines["/a"] == 1 and lines["/a/k"] == 2 and "/b" not in lines


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        _SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=12,
    ),
    st.booleans(),
)
def test_a_text_without_a_star_shares_no_node(data: object, anchored: bool) -> None:
    """The loader skips its cycle and alias check when the text has no "*": with no alias,
    every node of the composed graph is reached once (anchors alone share nothing)."""
    text = yaml.safe_dump({"d": data, **({"e": "&"} if anchored else {})})
    if anchored:
        text = "x: &first [1, 2]\n" + text
    if "*" in text:
        return
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        assert id(current) not in seen
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            stack.extend(n for pair in current.value for n in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    assert load_with_lines(text)[0] == yaml.safe_load(text)
