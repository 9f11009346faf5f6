"""Privacy: personal data never reaches a report format, a log line or an error message."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import hookimpl
from compliance.cli import main
from compliance.indicator import EvidenceType, Indicator, Need, rule
from compliance.plugins import PluginHost
from compliance.privacy import Redactor, is_identity_number, mask
from compliance.runner import check

from .conftest import write_manifest

IDENTITY = "11010519491231002X"  # the standard's own worked example
PHONE = "13812345678"
PLATE = "粤B12345"
RESIDENT = "欧阳娜娜"
SECRETS = (IDENTITY, PHONE, "138 1234 5678", PLATE, RESIDENT)


def test_identity_numbers_need_a_valid_check_character_and_date() -> None:
    assert is_identity_number(IDENTITY)
    assert is_identity_number(IDENTITY.lower())
    assert not is_identity_number("110105194912310021")  # wrong check character
    assert not is_identity_number("110105194913310020")  # month 13
    assert not is_identity_number("11010519491231002")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"ID {IDENTITY} seen", "id"),
        (f"电话{PHONE}", "phone"),
        ("call +86 138-1234-5678 now", "phone"),
        ("8613812345678", "phone"),
        (f"车辆{PLATE}进入", "plate"),
        ("新能源 粤BD12345", "plate"),
        ("plate 京A·12345", "plate"),
    ],
)
def test_patterns_are_replaced_by_their_kind(text: str, kind: str) -> None:
    masked = mask(text)
    assert f"[{kind}]" in masked
    assert not re.search(r"\d{5}", masked)


@pytest.mark.parametrize(
    "text",
    [
        "138****5678",  # already masked
        "110105194912310021",  # not a valid identity number
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # a digest
        "1234567890123",  # a long number that is no phone number
        "coverage 0.9312 over 365 days",
        "SE57.R3 at tables/patrol_log.csv row 12",
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert mask(text) == text


def test_pseudonyms_are_keyed_and_stable() -> None:
    one, same, other = Redactor(b"k1"), Redactor(b"k1"), Redactor(b"k2")
    text = f"{PHONE} and 138-1234-5678 and {IDENTITY}"
    assert one.text(text) == same.text(text)
    assert one.text(text) != other.text(text)
    first, second = re.findall(r"\[phone:[0-9a-f]{8}\]", one.text(text))
    assert first == second  # the same number, however it is written


def test_names_are_replaced_longest_first() -> None:
    redactor = Redactor(b"k", names=["欧阳", RESIDENT, "x"])
    out = redactor.text(f"{RESIDENT} met 欧阳 and x")
    assert RESIDENT not in out and "欧阳" not in out
    assert out.endswith(" and x")  # a one-letter "name" is not replaced everywhere


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_masking_any_text_never_raises_and_is_idempotent(text: str) -> None:
    once = mask(text)
    assert mask(once) == once


class _Kind(StrEnum):
    PHONE = PHONE  # a str-valued enum member is kept as it is, whatever its text


class _Names(dict):  # type: ignore[type-arg]
    pass


@dataclass(frozen=True)
class _Note:
    text: str
    count: int
    kind: _Kind


def test_value_redacts_every_string_and_keeps_the_rest() -> None:
    """The fast paths for exact built-in types agree with the general ones: strings in
    keys, values, lists, tuples, subclasses and frozen dataclasses are redacted; enums,
    numbers, booleans and None come back as they went in."""
    redactor = Redactor(b"k", names=[RESIDENT])
    data = {
        PHONE: [IDENTITY, 1, 2.5, True, None, (RESIDENT, _Kind.PHONE)],
        "nested": _Names({"who": RESIDENT, PLATE: [PHONE]}),
        "note": _Note(f"call {PHONE}", 3, _Kind.PHONE),
    }
    out = redactor.value(data)
    text = repr(out)
    assert not any(secret in text for secret in (IDENTITY, RESIDENT, PLATE))
    assert PHONE not in text.replace(repr(_Kind.PHONE), "")
    assert out[redactor.text(PHONE)][1:5] == [1, 2.5, True, None]
    assert out[redactor.text(PHONE)][5][1] is _Kind.PHONE
    assert out["nested"] == {
        "who": redactor.text(RESIDENT),
        redactor.text(PLATE): [redactor.text(PHONE)],
    }
    assert out["note"] == _Note(redactor.text(f"call {PHONE}"), 3, _Kind.PHONE)
    assert redactor.value(data) == out  # remembered redactions are the same


class Leaky(Indicator):
    """A careless indicator that quotes personal data everywhere it can."""

    code = "TT09"
    title = "Leaky"
    dimension = "SMD"
    evidence = (Need("residents"),)

    @rule("R1", "quotes residents")
    def quote(self, ctx):
        record = ctx.record("residents")
        person = record.data["people"][0]
        ctx.metric("first_resident", person["name"])
        ctx.metric(f"phone_{PHONE}", 1)
        ctx.finding(
            f"<b>{person['name']}</b> id {person['id']} phone {person['phone']} car {PLATE}",
            at=ctx.at(record, pointer=f"/people/0/{PHONE}"),
            fix=f"call {PHONE}",
        )
        return 0.5


class LeakyPack:
    name = "leakypack"

    @hookimpl
    def compliance_indicators(self):
        return [Leaky]

    @hookimpl
    def compliance_evidence_types(self):
        return [
            EvidenceType(
                "residents",
                "record",
                "Residents",
                schema="https://t.example/residents.json",
                personal_columns=("people.name",),
            )
        ]

    @hookimpl
    def compliance_schemas(self):
        return [{"$id": "https://t.example/residents.json", "type": "object"}]


def _host() -> PluginHost:
    import compliance_builtin.core as core

    return PluginHost(plugins=[("core", core), ("leakypack", LeakyPack())])


def _leaky_bundle(root: Path) -> Path:
    bundle = root / "bundle"
    name = f"residents-{PHONE}.json"
    write_manifest(bundle, [{"path": name, "type": "residents"}])
    people = {"people": [{"name": RESIDENT, "id": IDENTITY, "phone": "138 1234 5678"}]}
    (bundle / name).write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    return bundle


def test_no_format_shows_personal_data(tmp_path: Path) -> None:
    bundle = _leaky_bundle(tmp_path)
    host = _host()
    report = check(bundle, host=host, only=["TT09"])
    verdict = report.verdicts[0]
    assert verdict.findings, "the leaky indicator ran"
    for name, renderer in sorted(host.renderers().items()):
        data = renderer.render(report).decode("utf-8")
        for secret in SECRETS:
            assert secret not in data, (name, secret)
            assert json.dumps(secret)[1:-1] not in data, (name, secret)
        assert "[person:" in data or name in ("junit",), name
    again = check(bundle, host=_host(), only=["TT09"])
    assert again.verdicts[0].findings == verdict.findings  # stable pseudonyms


def test_cli_lines_mask_personal_data(tmp_path: Path) -> None:
    bundle = tmp_path / f"bundle-{PHONE}"
    bundle.mkdir()
    result = CliRunner().invoke(main, ["check", str(bundle), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert PHONE not in result.output
    assert "[phone]" in result.output


def test_names_are_collected_from_declared_fields_and_columns() -> None:
    from types import SimpleNamespace

    import polars as pl

    from compliance.privacy import collect_personal_values

    types = {
        "org": SimpleNamespace(kind="record", personal_columns=("leader.name", "members.name")),
        "roster": SimpleNamespace(kind="table", personal_columns=("name", "absent")),
        "log": SimpleNamespace(kind="table", personal_columns=()),
    }
    record = SimpleNamespace(
        data={"leader": {"name": "王伟"}, "members": [{"name": "李娜 "}, {"name": 7}, {}]}
    )
    frame = pl.LazyFrame({"name": ["张三", None, " ", "张三"], "id": [1, 2, 3, 4]})
    found = collect_personal_values(
        types,
        lambda type_id: [record] if type_id == "org" else [],
        lambda type_id: SimpleNamespace(frame=frame) if type_id == "roster" else None,
    )
    assert found == {"王伟", "李娜", "张三"}


def test_a_baseline_with_pseudonyms_matches_its_own_bundle(tmp_path: Path) -> None:
    bundle = _leaky_bundle(tmp_path)
    first = check(bundle, host=_host(), only=["TT09"]).to_dict()
    assert "[phone:" in json.dumps(first["indicators"][0]["findings"])
    again = check(bundle, host=_host(), only=["TT09"], baseline=first)
    assert again.baseline is not None
    assert again.baseline["regressions"] == [] and again.baseline["improvements"] == []
