"""The hostile corpus: broken and malicious bundles, generated here (nothing binary is
committed), each run through ``compliance check`` end to end.

Every case asserts the exit code (2 and one clear line when rejected; 0 or 1 with a
finding on the file when survived), that nothing reached stderr raw (no traceback, no
control characters), and that nothing was written outside the output folder and the
private temporary folder, which is empty again afterwards. A hypothesis test then feeds
generated bundles and evidence through the same path.
"""

from __future__ import annotations

import functools
import io
import json
import os
import random
import re
import stat
import struct
import tarfile
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.cli import main

MiB = 1024**2


def _noise(size: int) -> bytes:
    """Random bytes, the same in every run so a failure can be replayed."""
    return random.Random(size).randbytes(size)


ONLY = ("SE13", "SE15", "SE22", "SE67")
FORMATS = ("json", "md", "html", "sarif", "junit", "github")

PATROL = (
    "patrol_id,started_at,ended_at,area,inspector_id,issues_found,status\n"
    "P0000001,2025-01-01T20:15:00+08:00,2025-01-01T21:12:00+08:00,Gate,S0020,0,completed\n"
)
INVENTORY = (
    "datasets:\n"
    "  - id: DS01\n    name: Resident registry\n    classification: personal\n"
    "    records: 100\n"
)
RISK_MAP = {"type": "FeatureCollection", "name": "Risk map", "features": []}


def manifest(evidence: list[dict[str, str]] | None = None, **community: Any) -> bytes:
    data = {
        "schema_version": 1,
        "community": {
            "id": "t-0001",
            "name": "Test Community",
            "city": "Shenzhen",
            "district": "Futian",
            "population": 10000,
            "households": 3500,
            **community,
        },
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "submitter": {"organization": "Test office"},
        "evidence": evidence
        if evidence is not None
        else [
            {"path": "tables/patrol_log.csv", "type": "patrol_log"},
            {"path": "records/data_inventory.yaml", "type": "data_inventory"},
            {"path": "records/disaster_risk_map.json", "type": "disaster_risk_map"},
            {"path": "documents/safety_rules.docx", "type": "safety_rules"},
        ],
    }
    return json.dumps(data, ensure_ascii=False).encode()


@functools.cache
def docx_bytes(body_xml: bytes | None = None) -> bytes:
    """A real DOCX written by python-docx; ``body_xml`` replaces word/document.xml."""
    import docx

    document = docx.Document()
    document.add_heading("Safety rules", level=1)
    document.add_paragraph("Approved 2025-01-10.")
    buffer = io.BytesIO()
    document.save(buffer)
    if body_xml is None:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = body_xml if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info.filename, data)
    return out.getvalue()


# Nine levels of nine aliases: a billion "x" if a loader expanded it.
ALIAS_BOMB = b"a: &a ['x','x','x','x','x','x','x','x','x']\n" + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n".encode()
    for i in range(8)
)


def base_files() -> dict[str, bytes]:
    return {
        "bundle.json": manifest(),
        "tables/patrol_log.csv": PATROL.encode(),
        "records/data_inventory.yaml": INVENTORY.encode(),
        "records/disaster_risk_map.json": json.dumps(RISK_MAP).encode(),
        "documents/safety_rules.docx": docx_bytes(),
    }


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def write_zip(path: Path, files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for rel, data in files.items():
            zf.writestr(rel, data)
    return path


def write_tar(path: Path, files: dict[str, bytes], extra: list[tarfile.TarInfo] = ()) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for rel, data in files.items():
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for info in extra:
            tf.addfile(info)
    return path


# -- the harness -------------------------------------------------------------------------


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: bytes
    out: Path

    @property
    def report(self) -> dict[str, Any]:
        return json.loads((self.out / "report.json").read_text(encoding="utf-8"))

    def cited_paths(self) -> set[str]:
        """Every bundle path a finding, a manifest issue or an evidence entry names."""
        data = self.report
        paths = {i["path"] for i in data["manifest_issues"]}
        for verdict in data["indicators"]:
            for finding in verdict["findings"]:
                if "location" in finding:
                    paths.add(finding["location"]["path"])
        return paths

    def findings_on(self, path: str) -> list[str]:
        data = self.report
        out = [i["message"] for i in data["manifest_issues"] if i["path"] == path]
        for verdict in data["indicators"]:
            for finding in verdict["findings"]:
                if finding.get("location", {}).get("path") == path:
                    out.append(finding["message"])
        return out


def listing(base: Path) -> dict[str, tuple[int, int]]:
    """Every entry below ``base`` (links not followed) with its type and size."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(base):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            out[os.path.relpath(path, base)] = (stat.S_IFMT(info.st_mode), info.st_size)
    return out


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private temp folder and working directory, all inside ``tmp_path``."""
    temp = tmp_path / "temp"
    temp.mkdir()
    (tmp_path / "cwd").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.chdir(tmp_path / "cwd")
    yield tmp_path


def run(sandbox: Path, target: str | Path, *extra: str) -> Outcome:
    """``compliance check`` on ``target``; asserts the invariants every case shares."""
    out = sandbox / "out"
    before = {k: v for k, v in listing(sandbox).items() if not k.startswith("out")}
    fmts = [arg for f in FORMATS for arg in ("-f", f)]
    only = [arg for code in ONLY for arg in ("--only", code)]
    result = CliRunner().invoke(
        main,
        ["check", str(target), "-o", str(out), "-q", "--timeout", "60", *fmts, *only, *extra],
    )
    after = {k: v for k, v in listing(sandbox).items() if not k.startswith("out")}
    assert after == before, "something was written outside the output folder"
    assert os.listdir(sandbox / "temp") == [], "the private temporary folder was left behind"
    stderr = result.stderr_bytes or b""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert b"Traceback" not in stderr and "Traceback" not in result.stdout
    text = stderr.decode("utf-8")
    for line in text.splitlines():
        assert line.isprintable(), f"raw control characters on stderr: {line!r}"
    return Outcome(result.exit_code, result.stdout, stderr, out)


def rejected(outcome: Outcome, fragment: str) -> str:
    assert outcome.exit_code == 2, (outcome.exit_code, outcome.stderr)
    lines = outcome.stderr.decode("utf-8").splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("compliance: error: ")
    assert fragment in lines[0], lines[0]
    assert not (outcome.out / "report.json").exists()
    return lines[0]


def survived(outcome: Outcome, path: str | None = None, fragment: str = "") -> list[str]:
    assert outcome.exit_code in (0, 1), (outcome.exit_code, outcome.stderr)
    for fmt in FORMATS:
        assert any(p.name.startswith("report.") for p in outcome.out.iterdir()), fmt
    if path is None:
        return []
    messages = outcome.findings_on(path)
    assert messages, f"no finding on {path}: {sorted(outcome.cited_paths())}"
    assert any(fragment in m for m in messages), messages
    return messages


# -- the baseline: the corpus's bundle is fine as it is -----------------------------------


@pytest.mark.parametrize("pack", ["folder", "zip", "tgz"])
def test_clean_bundle_passes_in_every_container(sandbox: Path, pack: str) -> None:
    files = base_files()
    if pack == "folder":
        target = write_folder(sandbox / "in", files)
    elif pack == "zip":
        target = write_zip(sandbox / "b.zip", files)
    else:
        target = write_tar(sandbox / "b.tgz", files)
    outcome = run(sandbox, target)
    survived(outcome)
    assert outcome.stderr == b""
    assert {v["status"] for v in outcome.report["indicators"]} - {"error"}


# -- archive member names -----------------------------------------------------------------

TRAVERSAL = [
    ("../evil.txt", "leaves the archive root"),
    ("a/../../evil.txt", "leaves the archive root"),
    ("/tmp/compliance-evil-{uid}.txt", "absolute path"),
    ("..\\evil.txt", "backslash in member name"),
    ("a\\..\\..\\evil.txt", "backslash in member name"),
]


@pytest.mark.parametrize(("member", "reason"), TRAVERSAL)
@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_traversing_members_are_rejected(sandbox: Path, member: str, reason: str, fmt: str) -> None:
    member = member.format(uid=uuid.uuid4().hex)
    files = {**base_files(), member: b"pwned"}
    target = (write_zip if fmt == "zip" else write_tar)(sandbox / f"b.{fmt}", files)
    rejected(run(sandbox, target), reason)
    if member.startswith("/"):
        assert not os.path.lexists(member)


@pytest.mark.parametrize(
    ("kind", "linkname", "reason"),
    [
        (tarfile.SYMTYPE, "/etc/passwd", "is a symbolic link"),
        (tarfile.LNKTYPE, "bundle.json", "is a hard link"),
        (tarfile.CHRTYPE, "", "is a device"),
        (tarfile.BLKTYPE, "", "is a device"),
        (tarfile.FIFOTYPE, "", "is a named pipe"),
    ],
)
def test_special_tar_members_are_rejected(
    sandbox: Path, kind: bytes, linkname: str, reason: str
) -> None:
    info = tarfile.TarInfo("records/special")
    info.type, info.linkname = kind, linkname
    target = write_tar(sandbox / "b.tgz", base_files(), [info])
    rejected(run(sandbox, target), reason)


def test_symlink_member_in_zip_is_rejected(sandbox: Path) -> None:
    target = write_zip(sandbox / "b.zip", base_files())
    info = zipfile.ZipInfo("records/link.yaml")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(target, "a") as zf:
        zf.writestr(info, "/etc/passwd")
    rejected(run(sandbox, target), "symbolic link")


def test_terminal_escapes_in_member_names_are_never_echoed(sandbox: Path) -> None:
    files = {**base_files(), "records/\x1b]0;owned\x07\x1b[2J.yaml": b"a: 1\n"}
    target = write_zip(sandbox / "b.zip", files)
    line = rejected(run(sandbox, target), "control character")
    assert "\\x1b" in line


# -- links, pipes and devices in folders ---------------------------------------------------


def test_special_files_in_a_folder_are_left_out_and_reported(sandbox: Path) -> None:
    root = write_folder(sandbox / "in", base_files())
    secret = sandbox / "secret.txt"
    secret.write_text("outside")
    (root / "tables" / "patrol_log.csv").unlink()
    os.symlink(secret, root / "tables" / "patrol_log.csv")  # a declared file, linked away
    os.link(secret, root / "records" / "hardlink.yaml")
    os.mkfifo(root / "records" / "pipe.yaml")
    if os.geteuid() == 0:
        os.mknod(root / "records" / "zero.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    outcome = run(sandbox, root)
    survived(outcome, "tables/patrol_log.csv", "left out: symbolic link")
    assert outcome.findings_on("records/pipe.yaml")
    assert any("hard link" in m for m in outcome.findings_on("records/hardlink.yaml"))
    if os.geteuid() == 0:
        assert outcome.findings_on("records/zero.yaml")
    assert "outside" not in json.dumps(outcome.report)


def test_folder_file_with_escape_in_its_name(sandbox: Path) -> None:
    root = write_folder(sandbox / "in", base_files())
    (root / "records" / "\x1b[31mred\x1b[0m.yaml").write_bytes(b"a: 1\n")
    outcome = run(sandbox, root)
    survived(outcome)
    dumped = "".join(p.read_text(encoding="utf-8") for p in outcome.out.iterdir())
    assert "\x1b" not in dumped


# -- bombs ---------------------------------------------------------------------------------


def test_zip_bomb_is_stopped_while_inflating(sandbox: Path) -> None:
    files = {**base_files(), "tables/zeros.csv": bytes(64 * MiB)}
    rejected(run(sandbox, write_zip(sandbox / "b.zip", files)), "zip bomb")


def test_tar_bomb_is_stopped_while_inflating(sandbox: Path) -> None:
    files = {**base_files(), "tables/zeros.csv": bytes(64 * MiB)}
    rejected(run(sandbox, write_tar(sandbox / "b.tgz", files)), "tar bomb")


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of member ``name`` in both its headers."""
    out = bytearray(data)
    for magic, name_at, size_at, start in (
        (b"PK\x03\x04", 26, 22, 30),
        (b"PK\x01\x02", 28, 24, 46),
    ):
        at = out.find(magic)
        while at != -1:
            length = struct.unpack_from("<H", out, at + name_at)[0]
            if bytes(out[at + start : at + start + length]) == name:
                struct.pack_into("<I", out, at + size_at, size)
            at = out.find(magic, at + 4)
    return bytes(out)


@pytest.mark.parametrize(("claimed", "reason"), [(100, "corrupt"), (30 * MiB, "zip bomb")])
def test_zip_bomb_with_lying_headers(sandbox: Path, claimed: int, reason: str) -> None:
    honest = write_zip(sandbox / "honest.zip", {**base_files(), "tables/z.csv": bytes(40 * MiB)})
    liar = sandbox / "liar.zip"
    liar.write_bytes(_lie_about_size(honest.read_bytes(), b"tables/z.csv", claimed))
    rejected(run(sandbox, liar), reason)


def test_too_many_entries(sandbox: Path) -> None:
    files = {**base_files(), **{f"x/{i}": b"" for i in range(20_001)}}
    rejected(run(sandbox, write_zip(sandbox / "b.zip", files, zipfile.ZIP_STORED)), "entries")


def test_nested_archive_is_kept_as_a_plain_file(sandbox: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("../../evil.txt", b"pwned")
    files = base_files()
    files["bundle.json"] = manifest(
        [
            {"path": "tables/patrol_log.csv", "type": "patrol_log"},
            {"path": "records/nested.zip", "type": "data_inventory"},
        ]
    )
    files["records/nested.zip"] = inner.getvalue()
    outcome = run(sandbox, write_zip(sandbox / "b.zip", files))
    survived(outcome, "records/nested.zip")


# -- broken containers and paths ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("empty.zip", lambda: b"", "empty file"),
        ("empty.tgz", lambda: b"", "empty file"),
        ("random.zip", lambda: _noise(4096), "not a readable"),
        ("random.tgz", lambda: _noise(4096), "not a readable"),
        ("random.tar", lambda: _noise(4096), ""),
        ("gzip.tgz", lambda: b"\x1f\x8b\x08\x00" + _noise(2000), "not a readable"),
    ],
)
def test_broken_containers(
    sandbox: Path, name: str, make: Callable[[], bytes], reason: str
) -> None:
    target = sandbox / name
    target.write_bytes(make())
    rejected(run(sandbox, target), reason)


@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_truncated_archives(sandbox: Path, fmt: str) -> None:
    whole = (write_zip if fmt == "zip" else write_tar)(sandbox / f"w.{fmt}", base_files())
    cut = sandbox / f"cut.{fmt}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    rejected(run(sandbox, cut), "")


@pytest.mark.parametrize(("path", "reason"), [("/dev/zero", "device"), ("/dev/null", "device")])
def test_device_paths(sandbox: Path, path: str, reason: str) -> None:
    rejected(run(sandbox, path), reason)


def test_named_pipe_path(sandbox: Path) -> None:
    fifo = sandbox / "in.zip"
    os.mkfifo(fifo)
    rejected(run(sandbox, fifo), "named pipe")


# -- manifests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"records/x.yaml": b"a: 1\n"}, "no manifest"),
        ({"bundle.json": b"{"}, "bundle.json"),
        ({"bundle.json": b"[]"}, "bundle.json"),
        ({"bundle.json": b"\xff\xfe{}"}, "UTF-8"),
        ({"bundle.json": b"[" * 100_000 + b"]" * 100_000}, "bundle.json"),
        ({"bundle.json": manifest(population="9" * 100_000)}, "bundle.json"),
        ({"bundle.json": b'{"a": ' + b"9" * 100_000 + b"}"}, "bundle.json"),
        (
            {"bundle.yaml": ALIAS_BOMB},
            "bundle.yaml",
        ),
    ],
    ids=[
        "missing",
        "truncated",
        "not-object",
        "not-utf8",
        "deep",
        "long-int-string",
        "long-int",
        "alias-bomb",
    ],
)
def test_bad_manifests_are_rejected(sandbox: Path, files: dict[str, bytes], reason: str) -> None:
    root = write_folder(sandbox / "in", files)
    rejected(run(sandbox, root), reason)


# -- hostile evidence: survived with a finding on the file --------------------------------


def _with(path: str, data: bytes) -> dict[str, bytes]:
    return {**base_files(), path: data}


EVIDENCE_CASES = [
    ("deep-json", "records/disaster_risk_map.json", b"[" * 100_000 + b"]" * 100_000),
    ("long-number", "records/disaster_risk_map.json", b'{"n": ' + b"7" * 100_000 + b"}"),
    ("bad-utf8-json", "records/disaster_risk_map.json", b'{"name": "\xff\xfe"}'),
    ("bad-utf8-csv", "tables/patrol_log.csv", PATROL.encode() + b"P2,\xff\xfe,x,y,z,0,done\n"),
    ("bad-utf8-yaml", "records/data_inventory.yaml", b"datasets: \xff\n"),
    ("deep-yaml", "records/data_inventory.yaml", b"[" * 100_000 + b"]" * 100_000),
    (
        "yaml-alias-bomb",
        "records/data_inventory.yaml",
        ALIAS_BOMB,
    ),
    ("yaml-recursive-alias", "records/data_inventory.yaml", b"datasets: &x [*x]\n"),
    ("random-docx", "documents/safety_rules.docx", _noise(3000)),
    (
        "entity-bomb-docx",
        "documents/safety_rules.docx",
        docx_bytes(
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(
                f'<!ENTITY lol{i + 1} "{("&lol" + (str(i) if i else "") + ";") * 10}">'.encode()
                for i in range(9)
            )
            + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            b'main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
        ),
    ),
    (
        "late-entity-docx",
        "documents/safety_rules.docx",
        docx_bytes(
            b'<?xml version="1.0"?><!--'
            + b"x" * 70_000
            + b'--><!DOCTYPE d [<!ENTITY a "'
            + b"A" * 1000
            + b'">]><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&a;&a;</w:t></w:r></w:p>'
            b"</w:body></w:document>"
        ),
    ),
    ("empty-csv", "tables/patrol_log.csv", b""),
    ("binary-csv", "tables/patrol_log.csv", _noise(5000)),
]


@pytest.mark.parametrize(("path", "data"), [c[1:] for c in EVIDENCE_CASES],
                         ids=[c[0] for c in EVIDENCE_CASES])  # fmt: skip
def test_hostile_evidence_is_a_finding(sandbox: Path, path: str, data: bytes) -> None:
    target = write_zip(sandbox / "b.zip", _with(path, data))
    outcome = run(sandbox, target)
    survived(outcome, path)
    assert all(v["status"] != "error" for v in outcome.report["indicators"])


# -- HTML in names and text is escaped in every format ------------------------------------

HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_in_names_and_text_is_escaped_everywhere(sandbox: Path) -> None:
    files = base_files()
    name = "tables/<img src=x onerror=alert(1)>.csv"
    files["bundle.json"] = manifest(
        [
            {"path": name, "type": "patrol_log"},
            {"path": "records/data_inventory.yaml", "type": "data_inventory"},
            {"path": "records/<b>missing</b>.json", "type": "disaster_risk_map"},
        ],
        name=HTML,
    )
    del files["tables/patrol_log.csv"]
    files[name] = (PATROL + f"P0000002,{HTML},x,{HTML},S1,0,completed\n").encode()
    files["records/data_inventory.yaml"] = f"datasets: {json.dumps(HTML)}\n".encode()
    outcome = run(sandbox, write_folder(sandbox / "in", files))
    survived(outcome, name)
    html = (outcome.out / "report.html").read_text(encoding="utf-8")
    markdown = (outcome.out / "report.md").read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    # Markdown escapes with backslashes: an escaped "<" is literal text in CommonMark.
    assert not re.search(r"(?<!\\)<(script|img|b>)", markdown)
    assert "&lt;script&gt;" in html
    import xml.dom.minidom

    xml.dom.minidom.parse(str(outcome.out / "report.junit.xml"))  # still well-formed
    for machine in ("report.json", "report.sarif"):
        json.loads((outcome.out / machine).read_text(encoding="utf-8"))


# -- generated bundles and evidence never crash -------------------------------------------

_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
    min_size=1,
    max_size=12,
).filter(lambda n: n not in (".", ".."))
_evidence_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode()),
    st.sampled_from(list(base_files().values())),
)
_targets = st.sampled_from(
    [
        "tables/patrol_log.csv",
        "records/data_inventory.yaml",
        "records/disaster_risk_map.json",
        "documents/safety_rules.docx",
    ]
)


@st.composite
def generated_bundle(draw: st.DrawFn) -> tuple[str, dict[str, bytes]]:
    files = base_files()
    for target in draw(st.lists(_targets, max_size=4, unique=True)):
        files[target] = draw(_evidence_bytes)
    for _ in range(draw(st.integers(0, 2))):
        files[f"extra/{draw(_names)}"] = draw(_evidence_bytes)
    if draw(st.booleans()):
        data = json.loads(files["bundle.json"])
        key = draw(st.sampled_from(["community", "period", "evidence", "schema_version"]))
        data[key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just([])))
        files["bundle.json"] = json.dumps(data).encode()
    return draw(st.sampled_from(["zip", "tgz"])), files


@pytest.fixture(scope="module")
def quick_check() -> Iterator[Callable[[Path], Any]]:
    """``check`` with the plugin host, schema registry and profile built once: building
    the registry checks every schema (about a second), which would otherwise be paid by
    each of the hundreds of examples. Nothing else of the engine is bypassed."""
    from compliance import runner
    from compliance.plugins import PluginHost

    host = PluginHost()
    registry = runner.make_registry(host)
    profile = runner.resolve_profile("default", host, registry)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "make_registry", lambda _host: registry)
        patch.setattr(runner, "resolve_profile", lambda _name, _host, _registry: profile)

        def run(target: Path) -> Any:
            report = runner.check(target, only=list(ONLY), host=host)
            renderers = host.renderers()
            for name in FORMATS:
                renderers[name].render(report)
            return report

        yield run


_SETTINGS = settings(
    max_examples=int(os.environ.get("COMPLIANCE_HYPOTHESIS_EXAMPLES", "500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@_SETTINGS
@given(case=generated_bundle())
def test_generated_bundles_never_crash(
    quick_check: Callable[[Path], Any], case: tuple[str, dict[str, bytes]]
) -> None:
    from compliance.errors import ComplianceError

    fmt, files = case
    with tempfile.TemporaryDirectory() as work:
        target = (write_zip if fmt == "zip" else write_tar)(Path(work) / f"b.{fmt}", files)
        try:
            report = quick_check(target)
        except ComplianceError as exc:
            assert "\n" not in exc.line()
            return
    errors = [(v.code, v.reason) for v in report.verdicts if v.status == "error"]
    assert not errors
