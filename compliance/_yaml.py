"""YAML loading that is safe for hostile input.

* Only plain data (``yaml.SafeLoader``): no Python objects.
* Timestamps stay strings, so ``2025-01-01`` means the same in YAML as in JSON and
  JSON Schema ``format: date`` sees the text the author wrote.
* Aliases are capped: a "billion laughs" document fails instead of eating memory.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YAMLError", "load_with_lines", "node_lines", "safe_load"]

MAX_ALIASES = 100


class YAMLError(ValueError):
    """The text is not acceptable YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps and with an alias budget."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.events.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YAMLError(f"more than {MAX_ALIASES} aliases", line=mark.line + 1)
        return super().compose_node(parent, index)


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# libyaml's composer recurses in C without a depth check: deep enough nesting overflows the
# stack and kills the process (seen at 100,000 levels). Text whose nesting cannot exceed
# this bound goes to libyaml (ten times faster); anything else to the pure-Python loader,
# whose recursion limit turns the same input into an error.
_C_DEPTH_LIMIT = 2000
_CBase: Any = getattr(yaml, "CSafeLoader", None)
_CLoader: Any = None
if _CBase is not None:
    _CLoader = type("_CLoader", (_CBase,), {})
    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _nesting_bound(text: str) -> int:
    """An upper bound on how deeply ``text`` can nest collections.

    Each flow collection opens with ``[`` or ``{``; each block collection needs a deeper
    indent or an indicator on its line than its parent (a sequence may share its parent
    mapping's indent, hence the factor 2), so the longest line bounds block nesting.
    """
    longest = max(map(len, text.splitlines()), default=0)
    return 2 * (longest + 1) + text.count("[") + text.count("{")


def _count_aliases(node: Any) -> None:
    """Refuse a composed graph with more than MAX_ALIASES alias uses (libyaml path: the
    pure-Python loader counts them as it composes)."""
    seen: set[int] = set()
    stack = [node]
    aliases = 0
    while stack:
        current = stack.pop()
        if current is None:
            continue
        if id(current) in seen:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YAMLError(
                    f"more than {MAX_ALIASES} aliases", line=current.start_mark.line + 1
                )
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _compose(text: str) -> tuple[Any, Any]:
    """The document's node graph and the loader to construct it with."""
    fast = _CLoader is not None and _nesting_bound(text) <= _C_DEPTH_LIMIT
    loader = _CLoader(text) if fast else _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    if fast:
        _count_aliases(node)
    return node, loader


def _load(text: str, *, lines: bool) -> tuple[Any, dict[str, int]]:
    try:
        node, loader = _compose(text)
        data = loader.construct_document(node) if node is not None else None
    except YAMLError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YAMLError(str(exc.problem or exc.context or "invalid YAML"), line=line) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise YAMLError(f"invalid YAML ({type(exc).__name__})") from None
    return data, (node_lines(node) if lines else {})


def safe_load(text: str) -> Any:
    """Parse YAML text into plain data, raising :class:`YAMLError` with a line number."""
    return _load(text, lines=False)[0]


def load_with_lines(text: str) -> tuple[Any, dict[str, int]]:
    """:func:`safe_load`, plus the 1-based line of each mapping value and sequence item
    by JSON pointer (from the same parse), for findings that point at a line."""
    return _load(text, lines=True)


def node_lines(node: Any, limit: int = 100_000) -> dict[str, int]:
    """JSON pointer -> 1-based line of each node under ``node`` (at most ``limit``)."""
    lines: dict[str, int] = {}
    stack: list[tuple[Any, str]] = [(node, "")]
    while stack and len(lines) < limit:
        current, pointer = stack.pop()
        if current is None:
            continue
        lines[pointer] = current.start_mark.line + 1
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                name = str(key.value).replace("~", "~0").replace("/", "~1")
                stack.append((value, f"{pointer}/{name}"))
        elif isinstance(current, yaml.SequenceNode):
            for index, value in enumerate(current.value):
                stack.append((value, f"{pointer}/{index}"))
    return lines
