"""Bundle folders, BagIt bags, the manifest and its schema, the evidence index, skeletons.

Archives (zip, tar) and hostile members are tested in test_bundle_archives.py.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import bagit
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from compliance.bundle import (
    Bundle,
    EvidenceEntry,
    EvidenceResolution,
    Limits,
    init_bundle,
    load_manifest,
    open_bundle,
    resolve_evidence,
)
from compliance.bundle.manifest import manifest_schema
from compliance.errors import BundleError

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, pipes and devices")


def manifest_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "community": {
            "id": "sz-ns-0001",
            "name": "Test Garden",
            "city": "Shenzhen",
            "district": "Nanshan",
            "population": 12000,
            "households": 4100,
        },
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "submitter": {
            "organization": "Test Garden Residents Committee",
            "role": "safety officer",
            "name": "Zhang San",
            "email": "zhang.san@example.org",
        },
        "evidence": [
            {"path": "records/org_structure.yaml", "type": "org_structure"},
            {"path": "logs/patrol_*.csv", "type": "patrol_log", "description": "monthly"},
        ],
    }
    data.update(overrides)
    return data


def make_bundle(root: Path, data: dict[str, Any] | None = None, name: str = "bundle.json") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "records").mkdir(exist_ok=True)
    (root / "logs").mkdir(exist_ok=True)
    (root / "records" / "org_structure.yaml").write_text("leader: committee\n", "utf-8")
    (root / "logs" / "patrol_01.csv").write_text("date,guard\n2025-01-01,A\n", "utf-8")
    (root / "logs" / "patrol_02.csv").write_text("date,guard\n2025-02-01,B\n", "utf-8")
    write_manifest(root, data or manifest_data(), name)
    return root


def write_manifest(root: Path, data: Any, name: str = "bundle.json") -> None:
    if name.endswith(".json"):
        (root / name).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    else:
        import yaml

        (root / name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


def manifest_error(tmp_path: Path, data: Any, name: str = "bundle.json") -> str:
    root = tmp_path / "b"
    root.mkdir()
    write_manifest(root, data, name)
    with pytest.raises(BundleError) as info:
        load_manifest(root)
    return info.value.line()


# -- folders ---------------------------------------------------------------------


def test_folder_bundle_opens_in_place(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "garden")
    with open_bundle(root) as bundle:
        assert isinstance(bundle, Bundle)
        assert bundle.kind == "folder"
        assert bundle.container == "folder"
        assert bundle.root == root
        assert bundle.files == [
            "bundle.json",
            "logs/patrol_01.csv",
            "logs/patrol_02.csv",
            "records/org_structure.yaml",
        ]
        assert bundle.fixity is None
        assert bundle.skipped == []
        m = bundle.manifest
        assert m.community.id == "sz-ns-0001"
        assert m.community.population == 12000
        assert m.period.start == date(2025, 1, 1)
        assert m.period.days == 365
        assert m.path == "bundle.json"
        assert m.evidence[1].description == "monthly"
        assert m.public_submitter == {
            "organization": "Test Garden Residents Committee",
            "role": "safety officer",
        }
    # Closing a folder bundle must never delete the user's folder.
    assert (root / "bundle.json").is_file()


def test_yaml_manifest_keeps_dates_as_written(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "g", name="bundle.yaml")
    with open_bundle(str(root)) as bundle:
        assert bundle.manifest.path == "bundle.yaml"
        assert bundle.manifest.period.end == date(2025, 12, 31)
        assert bundle.manifest.raw["period"]["start"] == "2025-01-01"


def test_yml_extension_is_accepted(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "g", name="bundle.yml")
    assert load_manifest(root).path == "bundle.yml"


@posix_only
def test_folder_symlinks_and_pipes_are_left_out(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not evidence", "utf-8")
    root = make_bundle(tmp_path / "g")
    (root / "records" / "leak.yaml").symlink_to(outside)
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    (root / "dangling").symlink_to(tmp_path / "missing")
    os.mkfifo(root / "records" / "pipe.csv")
    with open_bundle(root) as bundle:
        assert "records/leak.yaml" not in bundle.files
        assert not any(f.startswith("etc") for f in bundle.files)
        assert "records/pipe.csv" not in bundle.files
        skipped = dict(bundle.skipped)
        assert skipped["records/leak.yaml"].startswith("symbolic link")
        assert skipped["etc"].startswith("symbolic link")
        assert skipped["dangling"].startswith("symbolic link")
        assert skipped["records/pipe.csv"].startswith("named pipe")
        resolved = resolve_evidence(bundle)
        assert resolved["org_structure"] == ["records/org_structure.yaml"]


@posix_only
def test_folder_file_with_control_characters_is_skipped_with_escaped_name(
    tmp_path: Path,
) -> None:
    root = make_bundle(tmp_path / "g")
    (root / "records" / "evil\x1b[2Jname.yaml").write_text("x", "utf-8")
    with open_bundle(root) as bundle:
        assert all("\x1b" not in f for f in bundle.files)
        ((path, reason),) = bundle.skipped
        assert "\x1b" not in path and "\\x1b" in path
        assert "unsafe" in reason


def test_folder_entry_limit(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "g")
    for i in range(10):
        (root / f"extra{i}.txt").write_text("x", "utf-8")
    with pytest.raises(BundleError, match="entry limit"):
        open_bundle(root, limits=Limits(max_entries=5))


# -- what open_bundle refuses ------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as info:
        open_bundle(tmp_path / "nope")
    assert info.value.line() == f"{tmp_path / 'nope'}: no such file or folder"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_path_is_refused_without_reading() -> None:
    with pytest.raises(BundleError, match="it is a device"):
        open_bundle("/dev/zero")


@posix_only
def test_fifo_path_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "bundle.zip"
    os.mkfifo(fifo)
    with pytest.raises(BundleError, match="named pipe"):
        open_bundle(fifo)


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "bundle.rar"
    path.write_bytes(b"Rar!\x1a\x07\x00")
    with pytest.raises(BundleError, match=r"unsupported bundle type.*\.zip"):
        open_bundle(path)


def test_manifest_file_given_instead_of_folder(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "g")
    with pytest.raises(BundleError, match="give the folder"):
        open_bundle(root / "bundle.json")


# -- the manifest --------------------------------------------------------------------


def test_manifest_missing(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    with pytest.raises(BundleError) as info:
        open_bundle(root)
    assert info.value.line() == (
        f"{root}: no manifest: expected bundle.json or bundle.yaml at the bundle root"
    )


def test_both_manifests_are_refused(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "g")
    write_manifest(root, manifest_data(), "bundle.yaml")
    with pytest.raises(BundleError, match=r"more than one manifest \(bundle.json, bundle.yaml\)"):
        open_bundle(root)


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.json").write_text('{\n  "schema_version": 1,\n  "community": }\n', "utf-8")
    with pytest.raises(BundleError) as info:
        load_manifest(root)
    assert info.value.line().startswith("bundle.json: invalid JSON at line 3, column 16:")


def test_duplicate_json_key_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.json").write_text('{"schema_version": 1, "schema_version": 1}', "utf-8")
    with pytest.raises(BundleError, match="duplicate key"):
        load_manifest(root)


def test_nan_in_json_is_refused(tmp_path: Path) -> None:
    data = manifest_data()
    text = json.dumps(data).replace("12000", "NaN")
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.json").write_text(text, "utf-8")
    with pytest.raises(BundleError, match="NaN is not valid JSON"):
        load_manifest(root)


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    # Eleven levels of ten aliases: 10**11 strings if expanded, 110 aliases to parse.
    names = "abcdefghijkl"
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]")
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(BundleError) as info:
        load_manifest(root)
    assert info.value.line().startswith("bundle.yaml: invalid YAML at line ")
    assert "aliases" in info.value.line()


def test_invalid_yaml_gives_line(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.yaml").write_text("schema_version: 1\ncommunity: [\n", "utf-8")
    with pytest.raises(BundleError, match=r"^bundle.yaml: invalid YAML at line 3"):
        load_manifest(root)


def test_manifest_not_utf8(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.yaml").write_bytes("name: 花园".encode("gb18030"))
    with pytest.raises(BundleError, match="not UTF-8 text"):
        load_manifest(root)


def test_manifest_size_limit(tmp_path: Path) -> None:
    root = make_bundle(tmp_path / "g")
    with pytest.raises(BundleError, match=r"^bundle.json: larger than 100 bytes"):
        load_manifest(root, limits=Limits(max_manifest_bytes=100))


@posix_only
def test_manifest_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.json"
    real.write_text(json.dumps(manifest_data()), "utf-8")
    root = tmp_path / "g"
    root.mkdir()
    (root / "bundle.json").symlink_to(real)
    with pytest.raises(BundleError, match="symbolic link"):
        load_manifest(root)


def test_schema_error_names_pointer_not_value(tmp_path: Path) -> None:
    data = manifest_data()
    data["community"]["population"] = "twelve thousand"
    line = manifest_error(tmp_path, data, "bundle.yaml")
    assert line == "bundle.yaml: /community/population: must be an integer"


def test_schema_error_never_echoes_personal_data(tmp_path: Path) -> None:
    data = manifest_data()
    data["submitter"]["email"] = "Zhang San private mailbox"
    line = manifest_error(tmp_path, data)
    assert line == "bundle.json: /submitter/email: must be an email address"
    assert "Zhang" not in line


def test_schema_first_error_sorted_by_path_and_counted(tmp_path: Path) -> None:
    data = manifest_data()
    data["period"]["start"] = "2025-13-01"
    data["community"]["households"] = -1
    line = manifest_error(tmp_path, data)
    assert line == "bundle.json: /community/households: must be >= 0 (and 1 more problems)"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["submitter"].pop("organization"),
            '/submitter: missing required property "organization"',
        ),
        (
            lambda d: d["community"].update(phone="138-0000-0000"),
            "/community/phone: property not allowed here",
        ),
        (
            lambda d: d.update(schema_version=2),
            "/schema_version: unsupported manifest version; this tool reads version 1",
        ),
        (
            lambda d: d["community"].update(id="-bad id"),
            "/community/id: must be 1-64 letters, digits",
        ),
        (
            lambda d: d["evidence"].append({"path": "../etc/passwd", "type": "org_structure"}),
            "/evidence/2/path: must be a relative POSIX path",
        ),
        (
            lambda d: d["evidence"].append({"path": "/etc/passwd", "type": "org_structure"}),
            "/evidence/2/path: must be a relative POSIX path",
        ),
        (
            lambda d: d["evidence"][0].update(type="Org-Structure"),
            "/evidence/0/type: must be 2-64 lowercase letters",
        ),
        (
            lambda d: d["period"].update(end="31/12/2025"),
            "/period/end: must be a valid date (YYYY-MM-DD)",
        ),
        (lambda d: d.update(evidence={}), "/evidence: must be an array"),
        (lambda d: d["community"].update(name=""), "/community/name: must not be empty"),
    ],
)
def test_schema_errors_are_keyword_based(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = manifest_data()
    mutate(data)
    line = manifest_error(tmp_path, data)
    assert line.startswith(f"bundle.json: {expected}")


def test_manifest_root_must_be_a_mapping(tmp_path: Path) -> None:
    assert manifest_error(tmp_path, ["a"]) == "bundle.json: (root): must be an object"


def test_trailing_newline_cannot_sneak_past_patterns(tmp_path: Path) -> None:
    # Python's re lets "$" match before a final newline; the code checks again.
    data = manifest_data()
    data["community"]["id"] = "sz-0001\n"
    line = manifest_error(tmp_path, data)
    assert line.startswith("bundle.json: /community/id: must be 1-64 letters")


def test_period_end_before_start(tmp_path: Path) -> None:
    data = manifest_data(period={"start": "2025-12-31", "end": "2025-01-01"})
    assert manifest_error(tmp_path, data, "bundle.yaml") == (
        "bundle.yaml: /period/end: must not be before /period/start"
    )


def test_one_day_period_is_fine(tmp_path: Path) -> None:
    root = make_bundle(
        tmp_path / "g", manifest_data(period={"start": "2025-03-01", "end": "2025-03-01"})
    )
    assert load_manifest(root).period.days == 1


def test_schema_is_valid_and_documented() -> None:
    schema = manifest_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://schemas.community-safety.dev/bundle.schema.json"
    assert schema["additionalProperties"] is False
    for section in ("community", "period", "submitter"):
        assert schema["properties"][section]["additionalProperties"] is False

    def walk(node: dict[str, Any], where: str) -> None:
        for name, prop in node.get("properties", {}).items():
            assert prop.get("title"), f"{where}/{name} has no title"
            assert prop.get("description"), f"{where}/{name} has no description"
            walk(prop, f"{where}/{name}")
            if "items" in prop:
                walk(prop["items"], f"{where}/{name}/items")

    walk(schema, "")


# -- the evidence index ----------------------------------------------------------


_SEGMENTS = st.sampled_from(
    ["logs", "a", "A", "x.csv", "b.yaml", ".", "", "*", "*.csv", "?", "[ab]", "a]", "!"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_SEGMENTS, min_size=1, max_size=3).map("/".join), max_size=8),
    st.lists(
        st.lists(
            st.sampled_from(["logs", "a", "A", "x.csv", "b.yaml", "a]", "!", "ab"]),
            min_size=1,
            max_size=3,
        ).map("/".join),
        max_size=10,
        unique=True,
    ),
)
def test_resolve_evidence_agrees_with_matching_every_file(
    patterns: list[str], files: list[str]
) -> None:
    """A path without a wildcard is looked up instead of matched against every file: the
    answer is what the per-file glob match gives, for plain paths and patterns alike."""
    from types import SimpleNamespace

    from compliance.bundle.manifest import _matches

    entries = [EvidenceEntry(path=p, type=f"t{i % 3}") for i, p in enumerate(patterns)]
    bundle = SimpleNamespace(manifest=SimpleNamespace(evidence=entries), files=files)
    resolved = resolve_evidence(bundle)  # type: ignore[arg-type]
    expected: dict[str, set[str]] = {}
    for entry in entries:
        expected.setdefault(entry.type, set()).update(f for f in files if _matches(entry.path, f))
    assert resolved.files == {k: sorted(v) for k, v in expected.items()}
    assert [e.path for e in resolved.unmatched] == [
        e.path for e in entries if not any(_matches(e.path, f) for f in files)
    ]


def test_resolve_evidence_expands_globs_within_one_folder(tmp_path: Path) -> None:
    data = manifest_data()
    data["evidence"] += [
        {"path": "logs/*", "type": "any_log"},
        {"path": "records/missing.yaml", "type": "org_structure"},
        {"path": "*.csv", "type": "stray_csv"},
    ]
    root = make_bundle(tmp_path / "g", data)
    (root / "logs" / "2024").mkdir()
    (root / "logs" / "2024" / "patrol_03.csv").write_text("date,guard\n", "utf-8")
    with open_bundle(root) as bundle:
        resolved = resolve_evidence(bundle)
    assert isinstance(resolved, EvidenceResolution)
    assert resolved["patrol_log"] == ["logs/patrol_01.csv", "logs/patrol_02.csv"]
    assert resolved.files["any_log"] == ["logs/patrol_01.csv", "logs/patrol_02.csv"]
    assert resolved["org_structure"] == ["records/org_structure.yaml"]
    assert resolved["stray_csv"] == []
    assert dict(resolved) == resolved.files
    assert [(e.path, e.type) for e in resolved.unmatched] == [
        ("records/missing.yaml", "org_structure"),
        ("*.csv", "stray_csv"),
    ]


# -- BagIt bags --------------------------------------------------------------------


def make_bag(path: Path, **info: str) -> Path:
    make_bundle(path)
    bagit.make_bag(str(path), dict(info), checksums=["sha256"])
    return path


def test_bag_folder_is_verified(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag", **{"Contact-Email": "zhang.san@example.org"})
    with open_bundle(bag) as bundle:
        assert bundle.kind == "bagit"
        assert bundle.container == "folder"
        assert bundle.root == bag / "data"
        assert "bundle.json" in bundle.files
        assert "bagit.txt" not in bundle.files
        fixity = bundle.fixity
        assert fixity is not None
        assert fixity["verified"] is True
        assert fixity["algorithms"] == ["sha256"]
        assert fixity["files"] == 4
        assert set(fixity["bag_info"]) >= {"Bagging-Date", "Payload-Oxum"}
        assert "Contact-Email" not in fixity["bag_info"]
        assert "zhang" not in json.dumps(fixity)


def test_corrupted_bag_payload_names_the_file(tmp_path: Path, capfd: Any) -> None:
    bag = make_bag(tmp_path / "bag")
    target = bag / "data" / "logs" / "patrol_02.csv"
    text = target.read_text("utf-8")
    target.write_text(text.replace("B", "C"), "utf-8")  # same size: Payload-Oxum still matches
    with pytest.raises(BundleError) as info:
        open_bundle(bag)
    assert info.value.line() == (
        f'{bag}: bag fixity check failed: "data/logs/patrol_02.csv" does not match its '
        "sha256 checksum (1 file failed)"
    )
    assert capfd.readouterr().err == ""  # bagit's logger stays quiet


def test_bag_with_changed_sizes_still_names_the_first_file(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag")
    (bag / "data" / "logs" / "patrol_02.csv").write_text("tampered, longer\n", "utf-8")
    (bag / "data" / "records" / "org_structure.yaml").write_text("x: 1\n", "utf-8")
    with pytest.raises(BundleError) as info:
        open_bundle(bag)
    line = info.value.line()
    assert '"data/logs/patrol_02.csv" does not match its sha256 checksum' in line
    assert line.endswith("(2 files failed)")


def test_bag_with_extra_payload_file(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag")
    (bag / "data" / "smuggled.csv").write_text("a\n", "utf-8")
    with pytest.raises(BundleError, match=r'"data/smuggled.csv" is not listed in the bag manifest'):
        open_bundle(bag)


def test_bag_without_manifest_in_data(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    bag.mkdir()
    (bag / "notes.txt").write_text("n", "utf-8")
    bagit.make_bag(str(bag), checksums=["sha256"])
    with pytest.raises(BundleError, match=r"no manifest: .* in the bag's data/ folder"):
        open_bundle(bag)


@posix_only
def test_bag_with_symlink_is_refused(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag")
    (bag / "data" / "passwd").symlink_to("/etc/passwd")
    with pytest.raises(BundleError, match=r'link or special file at "data/passwd"'):
        open_bundle(bag)


def test_malformed_bag(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag")
    (bag / "bagit.txt").write_text("Contact-Phone 138 0000 0000\n", "utf-8")
    with pytest.raises(BundleError) as info:
        open_bundle(bag)
    line = info.value.line()
    assert line == f"{bag}: not a valid BagIt bag: bagit.txt contains invalid tag"
    assert "138" not in line  # bagit quotes the bad line; we do not


def test_bag_missing_required_tag(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "bag")
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\n", "utf-8")
    with pytest.raises(BundleError, match="not a valid BagIt bag: Missing required tag"):
        open_bundle(bag)


# -- skeletons ---------------------------------------------------------------------


@dataclass
class FakeType:
    id: str
    kind: str
    title: str
    template_name: str | None = None
    template_text: str | None = None


TYPES = [
    FakeType(
        "org_structure",
        "record",
        "Safety organization: 组织架构",
        "org_structure.yaml",
        "leader: \n",
    ),
    FakeType("patrol_log", "table", "Patrol log", "patrol_log.csv", "date,guard\n"),
    FakeType("emergency_plan", "document", "Emergency plan"),
]


def test_init_bundle_writes_a_valid_skeleton(tmp_path: Path) -> None:
    target = tmp_path / "new"
    written = init_bundle(target, TYPES)
    assert written == ["bundle.yaml", "records/org_structure.yaml", "tables/patrol_log.csv"]
    assert (target / "tables" / "patrol_log.csv").read_text("utf-8") == "date,guard\n"
    text = (target / "bundle.yaml").read_text("utf-8")
    assert "# Safety organization: 组织架构" in text
    assert "# name:" in text and "# email:" in text
    manifest = load_manifest(target)
    assert [(e.path, e.type) for e in manifest.evidence] == [
        ("records/org_structure.yaml", "org_structure"),
        ("tables/patrol_log.csv", "patrol_log"),
        ("documents/emergency_plan*", "emergency_plan"),
    ]
    with open_bundle(target) as bundle:
        resolved = resolve_evidence(bundle)
        assert resolved["patrol_log"] == ["tables/patrol_log.csv"]
        assert [e.type for e in resolved.unmatched] == ["emergency_plan"]


def test_init_bundle_with_no_types(tmp_path: Path) -> None:
    assert init_bundle(tmp_path / "new", []) == ["bundle.yaml"]
    assert load_manifest(tmp_path / "new").evidence == ()


def test_init_bundle_into_empty_existing_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert init_bundle(tmp_path / "empty", TYPES[:1])[0] == "bundle.yaml"


def test_init_bundle_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine", "utf-8")
    with pytest.raises(BundleError, match="not empty"):
        init_bundle(tmp_path / "used", TYPES)
    assert os.listdir(tmp_path / "used") == ["keep.txt"]


def test_init_bundle_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", "utf-8")
    with pytest.raises(BundleError, match="not a folder"):
        init_bundle(tmp_path / "file", TYPES)


@pytest.mark.parametrize("bad", ["../escape.yaml", "a/b.yaml", ".hidden", ""])
def test_init_bundle_refuses_unsafe_template_names(tmp_path: Path, bad: str) -> None:
    with pytest.raises(BundleError, match="plain file name"):
        init_bundle(tmp_path / "new", [FakeType("x_type", "record", "X", bad, "x")])
    assert not (tmp_path / "new").exists()
    assert sorted(os.listdir(tmp_path)) == []


def test_init_bundle_refuses_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="unknown evidence kind"):
        init_bundle(tmp_path / "new", [FakeType("x_type", "video", "X")])


def test_path_with_control_characters_is_escaped_in_messages(tmp_path: Path) -> None:
    with pytest.raises(BundleError) as info:
        open_bundle(tmp_path / "x\x1b[31m.zip")
    assert "\x1b" not in info.value.line()
    assert "x\\x1b[31m.zip: no such file or folder" in info.value.line()
