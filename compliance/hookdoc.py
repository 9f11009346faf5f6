"""The hook reference (``docs/hooks.md``), generated from :mod:`compliance.hookspecs`.

The docstrings in ``hookspecs.py`` are the reference; this module renders them as Markdown
so nothing is written twice, and finds hooks whose docstring lacks a ``:param:`` for a
parameter or a ``:return:`` for a hook that returns something.

Regenerate the page with ``python -m compliance.hookdoc docs/hooks.md``; a test fails when
the committed page differs from what this module renders.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance import hookspecs
from compliance.hookspecs import PROJECT_NAME

__all__ = ["HookDoc", "hook_docs", "problems", "render"]

_FIELD = re.compile(r"^:(param (?P<name>\w+)|return):\s*(?P<text>.*)$")
_ROLE = re.compile(r":(?:class|data|func|mod|meth|attr):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def _md(text: str) -> str:
    """reStructuredText roles and literals as Markdown code spans."""
    return _LITERAL.sub(r"`\1`", _ROLE.sub(r"`\1`", text))


def _md_blocks(text: str) -> str:
    """Also turn ``::`` literal blocks (indented lines) into fenced Python blocks."""
    out: list[str] = []
    in_block = False
    for line in text.splitlines():
        if in_block and line.strip() and not line.startswith(" "):
            while out and not out[-1].strip():
                out.pop()
            out += ["```", ""]
            in_block = False
        if in_block:
            out.append(line[4:] if line.startswith("    ") else line)
            continue
        if line.endswith("::"):
            out += [_md(line[:-1]), "", "```python"]
            in_block = True
            continue
        out.append(_md(line))
    if in_block:
        out.append("```")
    return "\n".join(out).replace("```python\n\n", "```python\n")


@dataclass
class HookDoc:
    """One hook's documentation, split into its parts."""

    name: str
    signature: str
    summary: str
    body: str
    params: dict[str, str] = field(default_factory=dict)
    returns: str | None = None
    arguments: tuple[str, ...] = ()
    returns_value: bool = False


def _is_hookspec(obj: Any) -> bool:
    return callable(obj) and hasattr(obj, f"{PROJECT_NAME}_spec")


def hooks() -> list[Callable[..., Any]]:
    """Every hook specification, in the order ``hookspecs.py`` defines them."""
    found = [obj for obj in vars(hookspecs).values() if _is_hookspec(obj)]
    return sorted(found, key=lambda f: f.__code__.co_firstlineno)


def _parse(func: Callable[..., Any]) -> HookDoc:
    doc = inspect.cleandoc(func.__doc__ or "")
    paragraphs: list[str] = []
    params: dict[str, str] = {}
    returns: str | None = None
    current: tuple[str, str | None] | None = None  # ("param", name) or ("return", None)
    for line in doc.splitlines():
        match = _FIELD.match(line.strip())
        if match:
            name = match.group("name")
            current = ("param", name) if name else ("return", None)
            text = match.group("text").strip()
            if name:
                params[name] = text
            else:
                returns = text
        elif current is not None and line.startswith(" ") and line.strip():
            # A continuation line of the field above (indented in the docstring).
            kind, name = current
            if kind == "param" and name:
                params[name] = f"{params[name]} {line.strip()}"
            else:
                returns = f"{returns} {line.strip()}"
        else:
            current = None
            paragraphs.append(line)
    text = "\n".join(paragraphs).strip()
    summary, _, body = text.partition("\n\n")
    sig = inspect.signature(func)
    annotation = sig.return_annotation
    returns_value = annotation not in (None, "None", inspect.Signature.empty)
    return HookDoc(
        name=func.__name__,
        signature=f"{func.__name__}{sig}".replace("'", ""),
        summary=" ".join(summary.split()),
        body=body.strip(),
        params=params,
        returns=returns,
        arguments=tuple(sig.parameters),
        returns_value=returns_value,
    )


def hook_docs() -> list[HookDoc]:
    return [_parse(func) for func in hooks()]


def problems() -> list[str]:
    """Why the hook reference is incomplete (empty when every hook is documented)."""
    out = []
    for doc in hook_docs():
        if not doc.summary:
            out.append(f"{doc.name}: no docstring")
        for arg in doc.arguments:
            if not doc.params.get(arg):
                out.append(f"{doc.name}: parameter {arg} has no :param {arg}:")
        for name in doc.params:
            if name not in doc.arguments:
                out.append(f"{doc.name}: :param {name}: names no parameter")
        if doc.returns_value and not doc.returns:
            out.append(f"{doc.name}: returns a value but has no :return:")
    return out


def _module_intro() -> str:
    return inspect.cleandoc(hookspecs.__doc__ or "")


def render() -> str:
    """The Markdown reference page."""
    lines = [
        "# Hook reference",
        "",
        "<!-- Generated by `python -m compliance.hookdoc docs/hooks.md` from the docstrings",
        "     in compliance/hookspecs.py. Do not edit by hand: edit the docstrings. -->",
        "",
        _md_blocks(_module_intro()),
        "",
        "| hook | what it is for |",
        "|---|---|",
    ]
    docs = hook_docs()
    lines += [f"| [`{d.name}`](#{d.name}) | {_md(d.summary)} |" for d in docs]
    for d in docs:
        lines += ["", f"## {d.name}", "", "```python", f"@hookimpl\ndef {d.signature}", "```", ""]
        lines.append(_md(d.summary))
        if d.body:
            lines += ["", _md_blocks(d.body)]
        if d.params:
            lines += ["", "**Parameters**", ""]
            lines += [f"- `{name}`: {_md(text)}" for name, text in d.params.items()]
        if d.returns:
            lines += ["", f"**Returns** {_md(d.returns)}"]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
