"""The decision matrix: one row per community, one column per indicator code.

A matrix comes from a CSV file (``community,<code>,<code>,...``: questionnaire scores an
analyst holds) or from checked bundles (:mod:`compliance.scoring.cohort`). Either way it is
validated here, once, so the weighting and ranking methods can assume finite numbers, unique
community ids and unique codes. Every problem is reported as one line naming the cells
(community and code), never as a traceback.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["Matrix", "RankingError", "parse_codes", "read_dimensions_csv", "read_matrix_csv"]

#: How many offending cells an error message names before it says "and N more".
_SHOWN = 5


class RankingError(UsageError):
    """The matrix or the options cannot be ranked (exit 2)."""


def _cells(cells: Sequence[str], what: str) -> str:
    shown = ", ".join(cells[:_SHOWN])
    more = f" and {len(cells) - _SHOWN} more" if len(cells) > _SHOWN else ""
    return f"{len(cells)} {what}: {shown}{more}"


@dataclass
class Matrix:
    """Scores of ``communities`` (rows) on ``codes`` (columns), stored column by column:
    ``columns[j][i]`` is community ``i`` on code ``j``. Column-major because every method
    works on whole columns (min, max, norms, correlations)."""

    communities: list[str]
    codes: list[str]
    columns: list[list[float]]
    _frame: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.communities = [str(c) for c in self.communities]
        self.codes = [str(c) for c in self.codes]
        if not self.codes:
            raise RankingError("the matrix has no indicator columns")
        if not self.communities:
            raise RankingError("the matrix has no communities")
        if len(self.columns) != len(self.codes):
            raise RankingError(f"{len(self.codes)} codes but {len(self.columns)} columns")
        dup_codes = _duplicates(self.codes)
        if dup_codes:
            raise RankingError(_cells(dup_codes, "duplicate indicator code(s)"))
        dup_ids = _duplicates(self.communities)
        if dup_ids:
            raise RankingError(_cells(dup_ids, "duplicate community id(s)"))
        for code, column in zip(self.codes, self.columns, strict=True):
            if len(column) != len(self.communities):
                raise RankingError(f"column {code} has {len(column)} values, not one a community")
        bad = [
            f"row {self.communities[i]} column {code}"
            for code, column in zip(self.codes, self.columns, strict=True)
            for i, value in enumerate(column)
            if not (isinstance(value, int | float) and math.isfinite(value))
        ]
        if bad:
            raise RankingError(_cells(bad, "cell(s) are not finite numbers"))
        self.columns = [[float(v) for v in column] for column in self.columns]

    @classmethod
    def from_rows(
        cls, communities: Sequence[str], codes: Sequence[str], rows: Sequence[Sequence[float]]
    ) -> Matrix:
        """Build a matrix from row-major values (``rows[i][j]``: community i, code j)."""
        for community, row in zip(communities, rows, strict=False):
            if len(row) != len(codes):
                raise RankingError(f"row {community} has {len(row)} values for {len(codes)} codes")
        return cls(
            list(communities),
            list(codes),
            [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in codes],
        )

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.communities), len(self.codes)

    def column(self, code: str) -> list[float]:
        return self.columns[self.codes.index(code)]

    def rows(self) -> list[list[float]]:
        return [list(r) for r in zip(*self.columns, strict=True)]

    def frame(self) -> pl.DataFrame:
        """The values as a polars DataFrame (columns named by code), built once: the
        methods compute column-wise in polars, which is fast at 10,000 communities."""
        if self._frame is None:
            import polars as pl

            self._frame = pl.DataFrame(
                {
                    code: pl.Series(code, col, dtype=pl.Float64)
                    for code, col in zip(self.codes, self.columns, strict=True)
                }
            )
        return self._frame

    def check_codes(self, codes: Iterable[str], option: str) -> list[str]:
        """``codes`` as a list, refusing any that is not a column of the matrix."""
        chosen = list(dict.fromkeys(codes))
        unknown = [c for c in chosen if c not in self.codes]
        if unknown:
            raise RankingError(f"{option} names code(s) not in the matrix: {', '.join(unknown)}")
        return chosen


def _duplicates(values: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    dups: list[str] = []
    for v in values:
        if v in seen and v not in dups:
            dups.append(v)
        seen.add(v)
    return dups


def parse_codes(values: Iterable[str]) -> list[str]:
    """``--cost SE12,SE41 --cost SE57`` -> ``["SE12", "SE41", "SE57"]``."""
    out: list[str] = []
    for value in values:
        out.extend(p.strip() for p in value.split(",") if p.strip())
    return list(dict.fromkeys(out))


def _number(text: str) -> float | None:
    """A cell as a float; None when it is not a finite number. Python's ``float`` also
    accepts ``nan``, ``inf`` and ``1_000``, none of which a score can be."""
    cleaned = text.strip()
    if not cleaned or "_" in cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_matrix_csv(path: str | os.PathLike[str]) -> Matrix:
    """Read ``community,<code>,...`` rows into a :class:`Matrix`.

    Empty cells are missing values and everything else must be a finite decimal number;
    both are reported with the community and code of every offending cell (the first few
    named, then a count), so an analyst can fix the sheet in one pass.
    """
    label = str(path)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.reader(handle))
    except UnicodeDecodeError:
        raise RankingError("the matrix is not UTF-8 text", where=label) from None
    except csv.Error as exc:
        raise RankingError(f"unreadable CSV ({exc})", where=label) from None
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise RankingError("the matrix file is empty", where=label)
    header = [cell.strip() for cell in records[0]]
    if not header or header[0].lower() != "community":
        raise RankingError("the header must start with 'community'", where=label)
    codes = header[1:]
    if not codes:
        raise RankingError("the header names no indicator codes", where=label)
    blank = [str(j + 2) for j, c in enumerate(codes) if not c]
    if blank:
        raise RankingError(f"header column(s) {', '.join(blank)} have no code", where=label)
    communities: list[str] = []
    rows: list[list[float]] = []
    missing: list[str] = []
    non_numeric: list[str] = []
    for line_no, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise RankingError(
                f"line {line_no} has {len(record)} cells, the header {len(header)}", where=label
            )
        community = record[0].strip()
        if not community:
            raise RankingError(f"line {line_no} has no community id", where=label)
        communities.append(community)
        row: list[float] = []
        for code, cell in zip(codes, record[1:], strict=True):
            value = _number(cell)
            if value is None:
                where = f"row {community} column {code}"
                (missing if not cell.strip() else non_numeric).append(where)
                value = 0.0
            row.append(value)
        rows.append(row)
    if missing:
        raise RankingError(_cells(missing, "missing value(s)"), where=label)
    if non_numeric:
        raise RankingError(_cells(non_numeric, "non-numeric value(s)"), where=label)
    if not communities:
        raise RankingError("the matrix has no community rows", where=label)
    try:
        return Matrix.from_rows(communities, codes, rows)
    except RankingError as exc:
        raise RankingError(exc.message, where=label) from None


def read_dimensions_csv(path: str | os.PathLike[str]) -> tuple[dict[str, str], dict[str, str]]:
    """A ``code,dimension[,name]`` CSV: which dimension each indicator code belongs to,
    and optionally the dimension's display name. Returns (code -> dimension, dimension ->
    name)."""
    label = str(path)
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            records = [r for r in csv.reader(handle) if any(c.strip() for c in r)]
    except UnicodeDecodeError:
        raise RankingError("the dimensions file is not UTF-8 text", where=label) from None
    except csv.Error as exc:
        raise RankingError(f"unreadable CSV ({exc})", where=label) from None
    if not records or [c.strip().lower() for c in records[0][:2]] != ["code", "dimension"]:
        raise RankingError("the header must be code,dimension[,name]", where=label)
    mapping: dict[str, str] = {}
    names: dict[str, str] = {}
    for line_no, record in enumerate(records[1:], start=2):
        cells = [c.strip() for c in record]
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise RankingError(f"line {line_no} needs a code and a dimension", where=label)
        if cells[0] in mapping:
            raise RankingError(f"line {line_no}: code {cells[0]} is listed twice", where=label)
        mapping[cells[0]] = cells[1]
        if len(cells) > 2 and cells[2]:
            names.setdefault(cells[1], cells[2])
        else:
            names.setdefault(cells[1], cells[1])
    return mapping, names
