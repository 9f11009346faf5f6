"""SE22 Platform data safety: the plaintext identifier scan and the key-data rules."""

from __future__ import annotations

import compliance_builtin.se22_platform_data_safety as se22
import polars as pl
import pytest
from compliance_builtin.se22_platform_data_safety import scan_identifiers, scan_tables
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.testing import run_case

# The worked example of GB 11643 (check character X) and the same digits with a wrong one.
VALID_ID = "11010519491231002X"
WRONG_CHECK = "110105194912310021"
# Valid too, and with no mobile-number-like run inside (so only the identity rule sees it).
PLAIN_ID = "22020020000202032X"


def _frame(**columns: list) -> pl.LazyFrame:
    n = len(next(iter(columns.values())))
    return pl.LazyFrame({"__file": ["t.csv"] * n, "__row": list(range(1, n + 1)), **columns})


def test_identity_numbers_need_a_valid_check_character() -> None:
    hits = scan_identifiers(_frame(note=[f"id {VALID_ID}", WRONG_CHECK, "none"]))
    assert [(h.column, h.identity_cells, h.mobile_cells, h.first_row) for h in hits] == [
        ("note", 1, 0, 1)
    ]


def test_mobile_numbers_bare_with_country_code_and_in_integer_columns() -> None:
    hits = scan_identifiers(
        _frame(
            user=["13800000001", "+86 13900000002", "86-13900000002", "138****0001"],
            number=[8613700000003, 12345678901, 1, 2],
        )
    )
    found = {h.column: (h.identity_cells, h.mobile_cells, h.first_row) for h in hits}
    # "+86 13900000002" splits into two runs, the second a bare mobile number; the masked
    # value and 12345678901 (second digit 2) do not match.
    assert found == {"user": (0, 3, 1), "number": (0, 1, 1)}


def test_a_column_whose_only_candidate_is_a_bare_mobile_number_is_found() -> None:
    """The probe skips cells shorter than the shortest candidate, 11 characters."""
    hits = scan_identifiers(
        _frame(contact=["n/a", "13800000001", "1380000000"], phone=[1, 2, 13900000002])
    )
    assert [(h.column, h.mobile_cells, h.first_row) for h in hits] == [
        ("contact", 1, 2),
        ("phone", 1, 3),
    ]


def test_digits_inside_longer_numbers_and_timestamps_do_not_match() -> None:
    hits = scan_identifiers(
        _frame(
            ref=["9913800000001", "2025122008020012345", f"{VALID_ID}7"],
            time=["2025-12-20T08:02:00+08:00", "20251220", "U0001"],
        )
    )
    assert hits == []


_PIECES = st.sampled_from(
    ["1", "3", "8", "0", "2", "9", "X", "x", "86", "-", " ", "a", VALID_ID, PLAIN_ID]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=14).map("".join), min_size=1, max_size=6))
def test_the_candidate_filter_never_drops_a_hit(cells: list[str]) -> None:
    """The cheap pre-filter is a superset: scanning every cell with an 11-digit run (the
    old, wider filter) finds exactly the same identifiers."""
    frame = _frame(note=cells)
    found = scan_identifiers(frame)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(se22, "_CANDIDATE", r"[0-9]{11}")
        assert scan_identifiers(frame) == found


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_PIECES, max_size=14).map("".join), min_size=1, max_size=6),
    st.lists(st.sampled_from(["P001", "short", "a b c"]), min_size=1, max_size=6),
    st.lists(st.integers(0, 10**12), min_size=1, max_size=6),
)
def test_the_scan_finds_what_a_plain_search_of_every_cell_finds(
    notes: list[str], refs: list[str], numbers: list[int]
) -> None:
    """The width pass, the digit-run filter and the probe only skip cells that cannot
    hold a candidate: the columns reported are those where the identifier counts of a
    plain search over every cell are not zero."""
    height = min(len(notes), len(refs), len(numbers))
    frame = _frame(note=notes[:height], ref=refs[:height], n=numbers[:height])
    found = {hit.column for hit in scan_tables({"t": frame})["t"]}
    ids, mobiles = se22._COUNTS
    plain = (
        frame.select(pl.col(c).cast(pl.String).alias(c) for c in ("note", "ref", "n"))
        .unpivot(variable_name="column", value_name="cell")
        .with_columns(ids.alias("ids"), mobiles.alias("mobiles"))
        .filter((pl.col("ids") > 0) | (pl.col("mobiles") > 0))
        .collect()
    )
    assert found == set(plain["column"].to_list())


def test_several_tables_in_one_scan_keep_their_columns_apart() -> None:
    found = scan_tables(
        {
            "a": _frame(ref=["x", "y"], note=["none", f"id {PLAIN_ID}"]),
            "b": _frame(ref=["13800000001x", "V20250000001"], n=[1, 2]),
            "c": _frame(n=[1, 8613700000003]),
            "d": _frame(ref=["clean", "also clean"]),
        }
    )
    summary = {
        k: [(h.column, h.identity_cells, h.mobile_cells, h.first_row) for h in v]
        for k, v in found.items()
    }
    assert summary == {
        "a": [("note", 1, 0, 2)],
        "b": [("ref", 0, 1, 1)],
        "c": [("n", 0, 1, 2)],
        "d": [],
    }


@pytest.mark.parametrize(
    ("prop", "confined"),
    [
        ({"type": "string", "enum": ["open", "closed"]}, True),
        ({"enum": ["open", None]}, True),
        ({"const": "done"}, True),
        ({"type": "string", "enum": ["open", "13800000001"]}, False),  # a member is a number
        ({"type": "string", "enum": ["open", 13800000001]}, False),
        ({"type": ["string", "null"], "maxLength": 10}, True),
        ({"type": "string", "maxLength": 11}, False),
        ({"type": ["string", "integer"], "maxLength": 10}, False),  # an integer is longer
        ({"maxLength": 10}, False),
        ({"$ref": "#/$defs/state", "enum": ["open"]}, False),
        ({"type": "string", "pattern": "^[a-z]+$"}, False),
    ],
)
def test_confined_columns_follow_what_validation_guarantees(prop: dict, confined: bool) -> None:
    schema = {"type": "object", "properties": {"c": prop}}
    assert se22.confined_columns(schema) == ({"c"} if confined else set())
    assert se22.confined_columns(None) == set()


def test_validation_leaves_only_enum_members_so_skipping_them_loses_nothing(tmp_path) -> None:
    """The premise of the skip: a cell outside its column's enum (here a mobile number)
    is nulled by validation, so the scan finds the same with the column skipped."""
    from compliance.evidence.tables import read_table

    schema = {
        "type": "object",
        "properties": {
            "state": {"type": "string", "enum": ["open", "closed"]},
            "note": {"type": "string"},
        },
    }
    path = tmp_path / "t.csv"
    path.write_text(f"state,note\nopen,x\n13800000001,{PLAIN_ID}\nclosed,13900000002\n")
    table = read_table([("t.csv", path)], type_id="t", row_schema=schema)
    assert [i.keyword for i in table.issues] == ["enum"]
    assert table.frame is not None
    assert table.frame.collect()["state"].to_list() == ["open", None, "closed"]
    everything = scan_tables({"t": table.frame})
    assert scan_tables({"t": table.frame}, {"t": se22.confined_columns(schema)}) == everything
    assert [(h.column, h.identity_cells, h.mobile_cells) for h in everything["t"]] == [
        ("note", 1, 1)
    ]


def test_findings_never_show_the_value(host) -> None:
    spec = {"indicator": "SE22", "period": {"start": "2025-01-01", "end": "2025-12-31"}}
    case = {
        "evidence": [
            {"path": "records/d.yaml", "type": "data_inventory", "sample": {"quality": "good"}},
            {
                "path": "tables/access_log.csv",
                "type": "access_log",
                "content": "time,account_id,result\n"
                f"2025-12-20T08:00:00+08:00,{VALID_ID},success\n"
                "2025-12-20T08:00:00+08:00,13800000001,success\n",
            },
        ]
    }
    verdict = run_case(spec, case, host=host).verdict
    r4 = [f for f in verdict.findings if f.rule == "SE22.R4"]
    assert len(r4) == 1
    assert r4[0].location is not None and r4[0].location.row == 1
    assert r4[0].location.column == "account_id"
    assert VALID_ID not in r4[0].message and "13800000001" not in r4[0].message
    assert "1 cells with identity numbers and 1 cells with mobile numbers" in r4[0].message


def test_unencrypted_key_data_is_a_red_line(host) -> None:
    spec = {"indicator": "SE22", "period": {"start": "2025-01-01", "end": "2025-12-31"}}
    content = """\
datasets:
  - dataset_id: DS01
    name: Resident registry
    classification: sensitive_personal
    encryption_at_rest: {enabled: true, algorithm: aes_256_gcm, key_management: hsm}
    backup: {frequency: hourly, last_backup: "2025-12-31", offsite: true}
    restore_test: {date: "2025-06-01", result: success}
  - dataset_id: DS02
    name: Visitor records
    classification: personal
    encryption_at_rest: {enabled: true, algorithm: DES, key_management: kms}
    backup: {frequency: daily, last_backup: "2025-12-30", offsite: true}
    restore_test: {date: "2025-06-01", result: success}
  - dataset_id: DS03
    name: Public notices
    classification: public
"""
    case = {"evidence": [{"path": "records/d.yaml", "type": "data_inventory", "content": content}]}
    verdict = run_case(spec, case, host=host).verdict
    scores = {r.rule: r.score for r in verdict.rules}
    # AES-256 matches with separators ignored; DES does not; the public set is not key data.
    assert scores["SE22.R1"] == 0.5
    assert scores["SE22.R2"] == 1.0
    assert verdict.score == 59.0


def test_context_schema_hands_out_a_copy_of_the_registered_schema(host) -> None:
    from types import SimpleNamespace

    from compliance.indicator import Context
    from compliance.runner import make_registry

    registry = make_registry(host)
    store = SimpleNamespace(types=host.evidence_types(), registry=registry)
    ctx = Context(
        se22.PlatformDataSafety(),
        store=store,  # type: ignore[arg-type]
        profile=None,  # type: ignore[arg-type]
        community=None,  # type: ignore[arg-type]
        period=None,  # type: ignore[arg-type]
    )
    schema = ctx.schema("patrol_log")
    assert schema is not None
    assert schema["properties"]["status"]["enum"] == ["completed", "interrupted", "cancelled"]
    schema["properties"].clear()  # the copy is the caller's: the registry keeps its own
    assert ctx.schema("patrol_log")["properties"]  # type: ignore[index]
    assert ctx.schema("no_such_type") is None
