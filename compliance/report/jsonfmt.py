"""The JSON report: ``Report.to_dict()`` written out, nothing added, nothing reordered.

The model already orders every list and rounds every number, so ``sort_keys`` stays off:
the key order of the model is the order readers see, and it is stable. The output is
checked against ``report.schema.json`` by the tests and is what CI scripts consume.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compliance.report.model import Report

__all__ = ["render_json"]


def render_json(report: Report) -> bytes:
    """Serialise the report as UTF-8 JSON, two-space indented, with a final newline.

    ``allow_nan=False`` because NaN and Infinity are not JSON and a CI script's parser
    would reject the whole report; the model turns non-finite metrics into ``null``, so
    hitting this is a bug worth a loud error. Lone surrogates (a non-UTF-8 file name
    decoded with ``surrogateescape``) cannot be encoded as UTF-8; ``backslashreplace``
    writes them as ``\\udcXX`` escapes, which is valid JSON inside a string (the only
    place text can appear) and keeps the original byte recoverable.
    """
    text = json.dumps(
        report.to_dict(), ensure_ascii=False, indent=2, sort_keys=False, allow_nan=False
    )
    return (text + "\n").encode("utf-8", errors="backslashreplace")
