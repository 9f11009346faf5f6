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


def _check_graph(node: Any) -> None:
    """Refuse a composed document that uses more than MAX_ALIASES aliases, or an alias
    inside the very node it names (``&a [*a]``): JSON has no such values, and walking
    one never ends."""
    seen: set[int] = set()
    open_nodes: set[int] = set()  # the current node's ancestors, itself included
    stack: list[tuple[Any, bool]] = [(node, False)]
    aliases = 0
    while stack:
        current, leaving = stack.pop()
        if current is None:
            continue
        key = id(current)
        if leaving:
            open_nodes.discard(key)
            continue
        if key in open_nodes:
            raise YAMLError("an alias refers to a node that contains it", line=_line(current))
        if key in seen:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YAMLError(f"more than {MAX_ALIASES} aliases", line=_line(current))
            continue
        seen.add(key)
        open_nodes.add(key)
        stack.append((current, True))
        if isinstance(current, yaml.MappingNode):
            for key_node, value in current.value:
                stack.extend(((key_node, False), (value, False)))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, False) for item in current.value)


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _compose(text: str) -> tuple[Any, Any]:
    """The document's node graph and the loader to construct it with."""
    fast = _CLoader is not None and _nesting_bound(text) <= _C_DEPTH_LIMIT
    loader = _CLoader(text) if fast else _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    # The pure-Python loader counts aliases as it composes; both need the cycle check,
    # unless the text has no "*" at all: then it holds no alias, every node is reached
    # once and none can contain itself.
    if "*" in text:
        _check_graph(node)
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
    """JSON pointer -> 1-based line of each node under ``node`` (at most ``limit``).

    A node reached again through an alias keeps the pointer it was first reached by; a
    pointer through the alias finds its line by its prefix."""
    lines: dict[str, int] = {}
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(node, "")]
    while stack and len(lines) < limit:
        current, pointer = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        lines[pointer] = current.start_mark.line + 1
        # Pushed last to first, so nodes are reached in document order.
        if isinstance(current, yaml.MappingNode):
            for key, value in reversed(current.value):
                name = str(key.value).replace("~", "~0").replace("/", "~1")
                stack.append((value, f"{pointer}/{name}"))
        elif isinstance(current, yaml.SequenceNode):
            for index in range(len(current.value) - 1, -1, -1):
                stack.append((current.value[index], f"{pointer}/{index}"))
    return lines
