"""YAML loading that is safe for hostile input.

* Only plain data (``yaml.SafeLoader``): no Python objects.
* Timestamps stay strings, so ``2025-01-01`` means the same in YAML as in JSON and
  JSON Schema ``format: date`` sees the text the author wrote.
* Aliases are capped: a "billion laughs" document fails instead of eating memory.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["YAMLError", "safe_load"]

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


def safe_load(text: str) -> Any:
    """Parse YAML text into plain data, raising :class:`YAMLError` with a line number."""
    try:
        return yaml.load(text, Loader=_Loader)
    except YAMLError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YAMLError(str(exc.problem or exc.context or "invalid YAML"), line=line) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise YAMLError(f"invalid YAML ({type(exc).__name__})") from None
