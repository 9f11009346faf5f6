"""SE22 Platform data safety: key data are encrypted at rest, backed up and restorable,
and no evidence table carries plaintext personal identifiers.

The indicator reads the platform's data inventory (each data set's classification,
encryption at rest, backups and latest restore test) and scans every table of the bundle
for resident identity numbers and mainland mobile numbers in plain text. The scan reports
counts and locations only, never a value.
"""

from __future__ import annotations

import random
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import digit_runs
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._platform import as_list, day, list_findings, share_score, text

__all__ = ["PlatformDataSafety", "confined_columns", "scan_identifiers", "scan_tables"]

INVENTORY = "data_inventory"

#: Backup frequencies from the most to the least frequent.
FREQUENCIES = ("hourly", "daily", "weekly", "monthly", "none")

# GB 11643 resident identity number: 17 digits and a check character computed from them.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# A cell is looked at closely only when it holds what every identifier contains: 17
# digits in a row (an identity number) or 1, a digit 3-9 and nine more digits (a mobile
# number). Serial numbers such as V20250000001 are not looked at twice.
_CANDIDATE = r"[0-9]{17}|1[3-9][0-9]{9}"
# Maximal digit runs (an X, the identity number's check character, joins the digits
# around it): a run inside a longer number is never taken for an identifier on its own.
_RUNS = r"[0-9]+(?:[Xx][0-9]+)*[Xx]?"
_SHORTEST_RUN = 11  # characters of the shortest candidate (a bare mobile number)
_SMALLEST_CANDIDATE = 10 ** (_SHORTEST_RUN - 1)  # the least integer with that many digits


def _is_identity(run: pl.Expr) -> pl.Expr:
    """Whether a digit run is a resident identity number: 18 characters, a plausible birth
    month and day, and the right check character."""
    total = pl.sum_horizontal(
        [run.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)]
    )
    expected = (total % 11).replace_strict(dict(enumerate(_ID_CHECK)), return_dtype=pl.String)
    month = run.str.slice(10, 2).cast(pl.Int64, strict=False)
    mday = run.str.slice(12, 2).cast(pl.Int64, strict=False)
    return (
        (run.str.len_chars() == 18)
        & run.str.contains(r"^[0-9]{17}[0-9Xx]$")
        & month.is_between(1, 12)
        & mday.is_between(1, 31)
        & (run.str.slice(17, 1).str.to_uppercase() == expected)
    ).fill_null(False)


def _is_mobile(run: pl.Expr) -> pl.Expr:
    """Whether a digit run is a mainland mobile number, bare or with the 86 country code."""
    return run.str.contains(r"^(86)?1[3-9][0-9]{9}[Xx]?$").fill_null(False)


def _counts() -> tuple[pl.Expr, pl.Expr]:
    """Identity numbers and mobile numbers among the digit runs of the column ``cell``
    (built once: the expressions are the same for every column scanned)."""
    runs = pl.col("cell").str.extract_all(_RUNS)
    ids = runs.list.eval(pl.element().filter(_is_identity(pl.element()))).list.len()
    mobiles = runs.list.eval(pl.element().filter(_is_mobile(pl.element()))).list.len()
    return ids, mobiles


_COUNTS = _counts()


@dataclass(frozen=True)
class ScanHit:
    """Plaintext identifiers in one column of one table: counts and the first place."""

    column: str
    identity_cells: int
    mobile_cells: int
    first_file: str
    first_row: int


def scan_identifiers(frame: pl.LazyFrame) -> list[ScanHit]:
    """Counts the cells of every text or integer column holding a resident identity number
    or a mobile number. Only cells with a long digit run are examined closely, so a big
    table without such runs costs one regular-expression pass per column."""
    return scan_tables({"": frame})[""]


def _cell(column: str, dtype: pl.DataType) -> pl.Expr:
    """The column as text; an integer needs 11 digits to be a candidate at all."""
    text = pl.col(column).cast(pl.String)
    if dtype == pl.String:
        return text
    return pl.when(pl.col(column).abs() >= _SMALLEST_CANDIDATE).then(text)


def _long_cells(column: str, dtype: pl.DataType) -> pl.Expr:
    """The column's cells long enough to hold a candidate, as text (for the probe: a
    string's length is read from its header and an integer's size from its value, both
    far cheaper than a regular-expression search or turning every integer into text)."""
    if dtype == pl.String:
        text = pl.col(column)
        return text.filter(text.str.len_bytes() >= _SHORTEST_RUN)
    value = pl.col(column)
    return value.filter(value.abs() >= _SMALLEST_CANDIDATE).cast(pl.String)


def _wide(column: str, dtype: pl.DataType) -> pl.Expr:
    """Whether some cell of the column is long (or large) enough to hold a candidate."""
    if dtype == pl.String:
        return pl.col(column).str.len_bytes().max().fill_null(0) >= _SHORTEST_RUN
    return pl.col(column).abs().max().fill_null(0) >= _SMALLEST_CANDIDATE


def confined_columns(row_schema: dict[str, Any] | None) -> set[str]:
    """Columns of a validated table that cannot hold an identifier, by their schema.

    Validation nulls every cell that fails a keyword of its column, so a column whose
    ``enum`` (or ``const``) lists only strings holds nothing but those strings (or null),
    and a string column with ``maxLength`` under 11 has no room for 11 digits. Such a
    column needs no scan unless one of its allowed values is itself a candidate. A
    property defined through ``$ref`` is always scanned (its keywords are not read here).
    """
    if not isinstance(row_schema, dict) or not isinstance(row_schema.get("properties"), dict):
        return set()
    confined: set[str] = set()
    for column, sub in row_schema["properties"].items():
        if not isinstance(sub, dict) or "$ref" in sub:
            continue
        members = sub.get("enum") if isinstance(sub.get("enum"), list) else None
        if "const" in sub:
            members = [sub["const"]]
        if members is not None and all(
            m is None or (isinstance(m, str) and not re.search(_CANDIDATE, m)) for m in members
        ):
            confined.add(column)
            continue
        types = sub.get("type")
        types = [types] if isinstance(types, str) else types
        short = isinstance(sub.get("maxLength"), int) and sub["maxLength"] < _SHORTEST_RUN
        if short and isinstance(types, list) and set(types) <= {"string", "null"}:
            confined.add(column)
    return confined


def scan_tables(
    frames: dict[str, pl.LazyFrame], confined: dict[str, set[str]] | None = None
) -> dict[str, list[ScanHit]]:
    """:func:`scan_identifiers` for several tables at once.

    ``confined``: per table, columns known not to hold an identifier (see
    :func:`confined_columns`); they are not scanned. First one cheap query per table
    says which other columns have any candidate cell at all; only those columns get the
    exact (and costlier to plan and run) identifier count. All queries of a phase run in
    one ``collect_all``.
    """
    columns: dict[str, list[tuple[str, pl.DataType]]] = {}
    for name, frame in frames.items():
        schema = frame.collect_schema()
        skip = (confined or {}).get(name, set())
        columns[name] = [
            (c, t)
            for c, t in schema.items()
            if not c.startswith("__") and t in (pl.String, pl.Int64) and c not in skip
        ]
    # Most scanned columns are identifiers shorter than any candidate: one pass for the
    # longest cell of each column (or the largest integer) leaves the columns that can
    # hold one. In those, a candidate needs 11 digits in a row, which few cells have:
    # digit_runs (one cheap pass) picks the cells the pattern then looks at.
    names = [name for name, cols in columns.items() if cols]
    widths = [
        frames[name].select(_wide(c, t).alias(str(i)) for i, (c, t) in enumerate(columns[name]))
        for name in names
    ]
    wide: dict[str, list[tuple[str, pl.DataType]]] = {}
    for name, found in zip(names, pl.collect_all(widths) if widths else [], strict=True):
        wide[name] = [ct for ct, flag in zip(columns[name], found.row(0), strict=True) if flag]
    probes = [
        frames[name].select(
            _long_cells(c, t).str.contains(_CANDIDATE).any().alias(c)
            for c, t in cols
            if t != pl.String
        )
        for name, cols in wide.items()
        if any(t != pl.String for _, t in cols)
    ]
    flagged: set[tuple[str, str]] = set()
    probed = [name for name, cols in wide.items() if any(t != pl.String for _, t in cols)]
    for name, found in zip(probed, pl.collect_all(probes) if probes else [], strict=True):
        flagged |= {(name, c) for c, flag in found.row(0, named=True).items() if flag}
    texts = {
        name: [c for c, t in cols if t == pl.String]
        for name, cols in wide.items()
        if any(t == pl.String for _, t in cols)
    }
    loaded = dict(
        zip(texts, pl.collect_all([frames[n].select(cs) for n, cs in texts.items()]), strict=True)
    )

    def candidate(item: tuple[str, str]) -> bool:
        cells = loaded[item[0]].get_column(item[1])
        runs = digit_runs(cells, _SHORTEST_RUN)
        return bool(runs.any()) and bool(cells.filter(runs).str.contains(_CANDIDATE).any())

    # The text columns are probed two at a time: the helper's pass and polars' filter
    # leave the interpreter lock while they work, and SE22, evaluated last, often runs
    # alone at the end of a check.
    items = sorted(
        ((n, c) for n, cs in texts.items() for c in cs),
        key=lambda item: -loaded[item[0]].height,
    )
    with ThreadPoolExecutor(2) as pool:
        flagged |= {
            item for item, hit in zip(items, pool.map(candidate, items), strict=True) if hit
        }
    suspects = [
        (name, c, t) for name, cols in wide.items() for c, t in cols if (name, c) in flagged
    ]
    ids, mobiles = _COUNTS
    queries = [
        frames[name]
        .select("__file", "__row", _cell(c, t).alias("cell"))
        .filter(pl.col("cell").str.contains(_CANDIDATE))
        .with_columns(ids.alias("ids"), mobiles.alias("mobiles"))
        .filter((pl.col("ids") > 0) | (pl.col("mobiles") > 0))
        .select(
            (pl.col("ids") > 0).sum().alias("identity_cells"),
            (pl.col("mobiles") > 0).sum().alias("mobile_cells"),
            pl.col("__file").first().alias("first_file"),
            pl.col("__row").first().alias("first_row"),
        )
        for name, c, t in suspects
    ]
    hits: dict[str, list[ScanHit]] = {name: [] for name in frames}
    results = pl.collect_all(queries) if queries else []
    for (name, column, _), result in zip(suspects, results, strict=True):
        row = result.row(0, named=True)
        if (row["identity_cells"] or 0) + (row["mobile_cells"] or 0) == 0:
            continue
        hits[name].append(
            ScanHit(
                column,
                int(row["identity_cells"] or 0),
                int(row["mobile_cells"] or 0),
                str(row["first_file"]),
                int(row["first_row"]),
            )
        )
    return hits


def _key_datasets(ctx: Context) -> list[tuple[Any, int, dict[str, Any]]]:
    """(record, index, data set) for every data set of a key classification."""
    key = {str(c) for c in ctx.threshold("key_classifications")}
    out = []
    for record in ctx.records(INVENTORY):
        data = record.data if isinstance(record.data, dict) else {}
        for i, item in enumerate(as_list(data.get("datasets"))):
            if isinstance(item, dict) and item.get("classification") in key:
                out.append((record, i, item))
    return out


def _name(item: dict[str, Any], index: int) -> str:
    return text(item.get("dataset_id")) or f"#{index}"


def _no_key_data(ctx: Context) -> float:
    record = ctx.record(INVENTORY)
    ctx.finding(
        "the inventory lists no key data set (personal, sensitive personal or important)",
        at=ctx.at(record, pointer="/datasets") if record else None,
        fix="Classify every data set of the platform; resident data is at least personal.",
    )
    return 0.0


class PlatformDataSafety(Indicator):
    """The platform protects its data: key data sets (residents' personal data and other
    important data) are encrypted at rest with a sound algorithm and managed keys, backed
    up often and off-site, and restored in a test from time to time; and personal
    identifiers do not travel in plain text in the platform's exports.

    Evidence: a ``data_inventory`` record; every table in the bundle is scanned for
    plaintext resident identity numbers and mobile numbers.
    """

    code = "SE22"
    title = "Platform data safety"
    dimension = "PS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(INVENTORY, purpose="key data sets with encryption, backups and restore tests"),
    )
    # R3 reads every table in the bundle: evaluated after the other indicators, it finds
    # them read (see Indicator.scans).
    scans = "table"

    @rule(
        "R1",
        "Key data sets are encrypted at rest with managed keys",
        weight=3,
        severity="high",
        red_line=True,
        thresholds=(
            "key_classifications",
            "approved_algorithms",
            "accepted_key_management",
            "key_rotation_max_days",
        ),
    )
    def encrypted_at_rest(self, ctx: Context) -> float | None:
        """A key data set (classification in ``key_classifications``) is protected when
        encryption at rest is enabled, its algorithm starts with one of
        ``approved_algorithms`` (case and separators ignored), its keys are kept in one of
        ``accepted_key_management`` and, when a rotation date is given, the key was rotated
        within ``key_rotation_max_days`` of the period's end. Score: the share of key data
        sets protected. A red line: unencrypted key data caps the indicator."""
        datasets = _key_datasets(ctx)
        if not datasets:
            return _no_key_data(ctx)
        algorithms = [_norm(a) for a in ctx.threshold("approved_algorithms")]
        managed = {str(k) for k in ctx.threshold("accepted_key_management")}
        max_age = int(ctx.threshold("key_rotation_max_days"))
        good = 0
        bad: list[tuple[Any, str]] = []
        for record, i, item in datasets:
            enc = item.get("encryption_at_rest")
            enc = enc if isinstance(enc, dict) else {}
            rotated = day(enc.get("key_rotated_on"))
            if enc.get("enabled") is not True:
                why = "is not encrypted at rest"
            elif not any(_norm(text(enc.get("algorithm"))).startswith(a) for a in algorithms):
                why = "uses no approved encryption algorithm"
            elif enc.get("key_management") not in managed:
                why = "keeps its keys outside a key management service or module"
            elif rotated is not None and (ctx.period.end - rotated).days > max_age:
                why = f"has a key not rotated for {(ctx.period.end - rotated).days} days"
            else:
                good += 1
                continue
            bad.append(
                (
                    ctx.at(record, pointer=f"/datasets/{i}/encryption_at_rest"),
                    f"key data set {_name(item, i)} ({item.get('classification')}) {why}",
                )
            )
        ctx.metric("key_datasets", len(datasets))
        ctx.metric("key_datasets_encrypted", good)
        list_findings(
            ctx,
            bad,
            fix="Encrypt the data set's storage (for example SM4 or AES-256) with keys held "
            "in a key management service or hardware module, and rotate keys yearly.",
            more="key data sets without proper encryption at rest",
        )
        return good / len(datasets)

    @rule(
        "R2",
        "Key data sets are backed up often, recently and off-site",
        weight=2,
        severity="high",
        thresholds=("key_classifications", "min_backup_frequency", "backup_max_age_days"),
    )
    def backed_up(self, ctx: Context) -> float | None:
        """Three equal parts per key data set: backups at least as often as
        ``min_backup_frequency``; a latest backup no more than ``backup_max_age_days``
        before the period's end; and an off-site copy. Score: the mean over key data sets
        of the share of parts met."""
        datasets = _key_datasets(ctx)
        if not datasets:
            return _no_key_data(ctx)
        needed = str(ctx.threshold("min_backup_frequency"))
        rank = FREQUENCIES.index(needed) if needed in FREQUENCIES else 1
        max_age = int(ctx.threshold("backup_max_age_days"))
        total = 0.0
        bad: list[tuple[Any, str]] = []
        for record, i, item in datasets:
            backup = item.get("backup")
            backup = backup if isinstance(backup, dict) else {}
            freq = backup.get("frequency", "none")
            last = day(backup.get("last_backup"))
            problems = []
            if freq not in FREQUENCIES or FREQUENCIES.index(freq) > rank:
                problems.append(f"backed up {freq}, less often than {needed}")
            if last is None or last > ctx.period.end:
                problems.append("no dated backup by the period's end")
            elif (ctx.period.end - last).days > max_age:
                problems.append(f"latest backup {(ctx.period.end - last).days} days old")
            if backup.get("offsite") is not True:
                problems.append("no off-site copy")
            total += (3 - len(problems)) / 3
            if problems:
                bad.append(
                    (
                        ctx.at(record, pointer=f"/datasets/{i}/backup"),
                        f"key data set {_name(item, i)}: " + "; ".join(problems),
                    )
                )
        list_findings(
            ctx,
            bad,
            fix="Back up key data at least daily, keep an encrypted copy at another site and "
            "monitor that backups succeed.",
            more="key data sets with backup gaps",
        )
        score = total / len(datasets)
        ctx.metric("backup_score", round(score, 4))
        return score

    @rule(
        "R3",
        "Restoring key data from backup has been tested recently",
        weight=2,
        severity="medium",
        thresholds=("key_classifications", "restore_test_max_age_days", "restore_tested_share_min"),
    )
    def restore_tested(self, ctx: Context) -> float | None:
        """A key data set counts as restorable when its latest restore test succeeded, is
        dated by the period's end and is at most ``restore_test_max_age_days`` old then.
        The share of restorable key data sets is divided by ``restore_tested_share_min``,
        capped at 1."""
        datasets = _key_datasets(ctx)
        if not datasets:
            return _no_key_data(ctx)
        max_age = int(ctx.threshold("restore_test_max_age_days"))
        ok = 0
        bad: list[tuple[Any, str]] = []
        for record, i, item in datasets:
            test = item.get("restore_test")
            test = test if isinstance(test, dict) else {}
            when = day(test.get("date"))
            if when is None or when > ctx.period.end:
                why = "has no restore test by the period's end"
            elif (ctx.period.end - when).days > max_age:
                why = f"was last restore-tested {(ctx.period.end - when).days} days ago"
            elif test.get("result") != "success":
                why = f"failed its latest restore test ({test.get('result')})"
            else:
                ok += 1
                continue
            bad.append(
                (
                    ctx.at(record, pointer=f"/datasets/{i}/restore_test"),
                    f"key data set {_name(item, i)} {why}",
                )
            )
        share = ok / len(datasets)
        ctx.metric("restore_tested_share", round(share, 4))
        list_findings(
            ctx,
            bad,
            fix="Restore each key data set from its backup into a test environment at least "
            "once a year and record the date and result.",
            more="key data sets without a recent successful restore test",
        )
        return share_score(share, float(ctx.threshold("restore_tested_share_min")))

    @rule(
        "R4",
        "No evidence table holds plaintext identity or mobile numbers",
        weight=3,
        severity="critical",
    )
    def no_plaintext_identifiers(self, ctx: Context) -> float | None:
        """Scans every table of the bundle (every evidence type read as a table), in every
        text or integer column, for resident identity numbers (18 characters with a valid
        check character and birth date) and mainland mobile numbers (11 digits starting
        13-19, optionally after 86). Masked values (138****5678) do not match. Columns the
        schema confines to other values (an enum of strings, a maxLength under 11) are not
        scanned: validation has already nulled anything else in them. Findings give
        the table, column, number of cells and the first row, never a value. Score: the
        share of scanned tables that are clean; no table in the bundle means the rule does
        not apply."""
        frames: dict[str, pl.LazyFrame] = {}
        confined: dict[str, set[str]] = {}
        for type_id in ctx.available(kind="table"):
            table = ctx.table(type_id, report_issues=False)
            if table is not None and table.frame is not None:
                frames[type_id] = table.frame
                confined[type_id] = confined_columns(ctx.schema(type_id))
        scanned = clean = 0
        for type_id, hits in scan_tables(frames, confined).items():
            scanned += 1
            if not hits:
                clean += 1
                continue
            for hit in hits:
                what = []
                if hit.identity_cells:
                    what.append(f"{hit.identity_cells} cells with identity numbers")
                if hit.mobile_cells:
                    what.append(f"{hit.mobile_cells} cells with mobile numbers")
                ctx.finding(
                    f"{type_id}, column {hit.column}: {' and '.join(what)} in plain text "
                    f"(first at row {hit.first_row})",
                    at=ctx.at(hit.first_file, row=hit.first_row, column=hit.column),
                    fix="Export pseudonymous ids or masked values (for example 138****5678) "
                    "instead of identifiers; keep the mapping inside the platform.",
                )
        ctx.metric("tables_scanned", scanned)
        ctx.metric("tables_with_plaintext_identifiers", scanned - clean)
        return clean / scanned if scanned else None


def _norm(value: Any) -> str:
    return "".join(ch for ch in str(value).casefold() if ch.isalnum())


# -- sample evidence ---------------------------------------------------------------------

_DATASETS = (
    ("DS01", "Resident registry", "sensitive_personal", 12000),
    ("DS02", "Access-control and visitor records", "personal", 900000),
    ("DS03", "Video surveillance index", "important", 250000),
    ("DS04", "Emergency contacts of vulnerable residents", "sensitive_personal", 800),
    ("DS05", "Property work orders", "internal", 30000),
    ("DS06", "Public notices", "public", 600),
)
# quality -> data set ids with: no encryption, weak key management, weekly backups,
# no off-site copy, an old restore test
_FLAWS: dict[str, dict[str, tuple[str, ...]]] = {
    "good": {},
    "fair": {"keys": ("DS03",), "weekly": ("DS03",), "old_test": ("DS04",)},
    "poor": {
        "plain": ("DS02", "DS04"),
        "keys": ("DS03",),
        "weekly": ("DS01", "DS02", "DS03"),
        "onsite": ("DS01", "DS02", "DS03", "DS04"),
        "old_test": ("DS01", "DS02", "DS03"),
    },
}


def _sample_inventory(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """The six data sets of a typical platform; the quality decides which key data sets
    lack encryption, frequent or off-site backups, or a recent restore test."""
    flaws = _FLAWS.get(spec.quality, _FLAWS["fair"])
    end = spec.period.end
    items = []
    for ds_id, name, cls, size in _DATASETS:
        plain = ds_id in flaws.get("plain", ())
        enc: dict[str, Any] = {"enabled": not plain}
        if not plain:
            enc["algorithm"] = "SM4" if rng.random() < 0.5 else "AES-256-GCM"
            enc["key_management"] = "application" if ds_id in flaws.get("keys", ()) else "kms"
            enc["key_rotated_on"] = (end - timedelta(days=rng.randint(30, 200))).isoformat()
        test_age = rng.randint(400, 700) if ds_id in flaws.get("old_test", ()) else 60
        items.append(
            {
                "dataset_id": ds_id,
                "name": name,
                "classification": cls,
                "records": size,
                "storage": "Platform database cluster",
                "encryption_at_rest": enc,
                "backup": {
                    "frequency": "weekly" if ds_id in flaws.get("weekly", ()) else "daily",
                    "last_backup": (end - timedelta(days=rng.randint(0, 1))).isoformat(),
                    "offsite": ds_id not in flaws.get("onsite", ()),
                    "encrypted": True,
                },
                "restore_test": {
                    "date": (end - timedelta(days=test_age + rng.randint(0, 30))).isoformat(),
                    "result": "success",
                    "minutes": rng.randint(15, 90),
                },
            }
        )
    data = {"security_officer_role": "Platform data security officer", "datasets": items}
    return [("records/data_inventory.yaml", yaml_bytes(data))]


_TEMPLATE = """\
# Key data sets of the community platform (see the schema for every field).
security_officer_role: Platform data security officer
datasets:
  - dataset_id: DS01
    name: Resident registry
    classification: sensitive_personal
    storage: Platform database cluster
    encryption_at_rest:
      enabled: true
      algorithm: SM4
      key_management: kms
      key_rotated_on: "2025-06-01"
    backup: {frequency: daily, last_backup: "2025-12-31", offsite: true, encrypted: true}
    restore_test: {date: "2025-10-15", result: success, minutes: 40}
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=INVENTORY,
            kind="record",
            title="Platform data inventory",
            description="The platform's data sets with classification, encryption at rest "
            "(algorithm, key management), backups and the latest restore test.",
            schema=schema_id(INVENTORY),
            template_name="data_inventory.yaml",
            template_text=_TEMPLATE,
            sample=_sample_inventory,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(INVENTORY)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [PlatformDataSafety]
