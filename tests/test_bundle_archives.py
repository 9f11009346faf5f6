"""Archives: zip, tar, tar.gz/tgz, bags inside archives, and hostile submissions.

Every test runs with ``tempfile.tempdir`` pointed at a folder of its own, so it can
check that unpacking writes nothing outside the private temporary folder and that
the folder is gone after ``close()`` (or after a refusal).
"""

from __future__ import annotations

import io
import json
import os
import stat
import struct
import sys
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import bagit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.bundle import Limits, open_bundle, resolve_evidence
from compliance.errors import BundleError

MANIFEST = {
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
    "submitter": {"organization": "Test Garden Residents Committee"},
    "evidence": [{"path": "logs/patrol_*.csv", "type": "patrol_log"}],
}

FILES = {
    "bundle.json": json.dumps(MANIFEST).encode(),
    "logs/patrol_01.csv": b"date,guard\n2025-01-01,A\n",
    "records/org.yaml": b"leader: committee\n",
}

MiB = 1024**2


@pytest.fixture
def temproot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point tempfile at a folder of our own; after the test it must be empty again."""
    root = tmp_path / "temp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    yield root
    assert os.listdir(root) == [], "a temporary folder was left behind"


def snapshot(base: Path) -> set[str]:
    return {str(p.relative_to(base)) for p in base.rglob("*")}


def make_zip(path: Path, files: dict[str, bytes], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    return path


def make_tar(path: Path, files: dict[str, bytes], mode: str = "w:gz", prefix: str = "") -> Path:
    with tarfile.open(path, mode) as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def tar_with(path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    """A tar.gz holding the normal bundle plus one extra (hostile) member."""
    with tarfile.open(path, "w:gz") as tf:
        for name, content in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
        member.size = len(data)
        tf.addfile(member, io.BytesIO(data) if data else None)
    return path


def zip_with(path: Path, info: zipfile.ZipInfo, data: bytes = b"x") -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in FILES.items():
            zf.writestr(name, content)
        zf.writestr(info, data)
    return path


def refused(path: Path, limits: Limits | None = None) -> str:
    with pytest.raises(BundleError) as info:
        open_bundle(path, limits=limits or Limits())
    line = info.value.line()
    assert "\n" not in line
    return line


# -- containers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("b.zip", make_zip),
        ("b.tar.gz", make_tar),
        ("b.tgz", make_tar),
        ("b.tar", lambda p, f: make_tar(p, f, mode="w")),
        ("B.ZIP", make_zip),
    ],
)
def test_archive_is_unpacked_privately_and_removed(
    tmp_path: Path, temproot: Path, name: str, maker: Any
) -> None:
    archive = maker(tmp_path / name, FILES)
    with open_bundle(archive) as bundle:
        assert bundle.container == ("zip" if "zip" in name.lower() else "tar")
        assert bundle.kind == bundle.container
        assert bundle.files == sorted(FILES)
        assert bundle.root.parent == temproot
        assert stat.S_IMODE(os.stat(bundle.root).st_mode) == 0o700
        mode = stat.S_IMODE(os.stat(bundle.path("records/org.yaml")).st_mode)
        assert mode & 0o077 == 0
        assert bundle.path("logs/patrol_01.csv").read_bytes() == FILES["logs/patrol_01.csv"]
        assert resolve_evidence(bundle)["patrol_log"] == ["logs/patrol_01.csv"]
        assert bundle.source == str(archive)
    assert os.listdir(temproot) == []
    bundle.close()  # a second close is harmless


@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_single_top_level_folder_is_the_root(tmp_path: Path, temproot: Path, fmt: str) -> None:
    if fmt == "zip":
        archive = make_zip(tmp_path / "b.zip", FILES, prefix="garden/")
        # macOS Finder adds this folder beside the real one; it must not count.
        with zipfile.ZipFile(archive, "a") as zf:
            zf.writestr("__MACOSX/garden/._bundle.json", b"resource fork")
    else:
        archive = make_tar(tmp_path / "b.tgz", FILES, prefix="./garden/")
    with open_bundle(archive) as bundle:
        assert bundle.root.name == "garden"
        assert bundle.files == sorted(FILES)


def test_two_top_level_folders_mean_no_manifest(tmp_path: Path, temproot: Path) -> None:
    archive = make_zip(tmp_path / "b.zip", {"a/bundle.json": b"{}", "b/x.txt": b"x"})
    assert "no manifest" in refused(archive)


def test_dot_slash_members_are_fine(tmp_path: Path, temproot: Path) -> None:
    archive = make_tar(tmp_path / "b.tgz", FILES, prefix="./")
    with open_bundle(archive) as bundle:
        assert bundle.root == next(temproot.iterdir())
        assert bundle.files == sorted(FILES)


def test_nested_archive_is_kept_as_a_file(tmp_path: Path, temproot: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("secret/inside.txt", b"x")
    archive = make_zip(tmp_path / "b.zip", {**FILES, "attachments/inner.zip": inner.getvalue()})
    with open_bundle(archive) as bundle:
        assert "attachments/inner.zip" in bundle.files
        assert not any("inside" in f for f in bundle.files)


def test_bad_manifest_in_archive_cleans_up(tmp_path: Path, temproot: Path) -> None:
    archive = make_zip(tmp_path / "b.zip", {**FILES, "bundle.json": b"{"})
    assert refused(archive).startswith("bundle.json: invalid JSON at line 1")


# -- bags in archives ------------------------------------------------------------


def make_bag_dir(path: Path) -> Path:
    for name, data in FILES.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    bagit.make_bag(str(path), {"Contact-Name": "Zhang San"}, checksums=["sha256", "sha512"])
    return path


def zip_tree(src: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, f"{src.name}/{path.relative_to(src).as_posix()}")
    return dest


def test_bag_inside_zip_is_verified(tmp_path: Path, temproot: Path) -> None:
    archive = zip_tree(make_bag_dir(tmp_path / "garden-bag"), tmp_path / "bag.zip")
    with open_bundle(archive) as bundle:
        assert bundle.kind == "bagit"
        assert bundle.container == "zip"
        assert bundle.root.name == "data"
        assert bundle.files == sorted(FILES)
        assert bundle.fixity is not None
        assert bundle.fixity["algorithms"] == ["sha256", "sha512"]
        assert bundle.fixity["files"] == 3
        assert bundle.fixity["verified"] is True
        assert "Contact-Name" not in bundle.fixity["bag_info"]


def test_corrupted_bag_inside_tar_is_refused(tmp_path: Path, temproot: Path) -> None:
    bag = make_bag_dir(tmp_path / "garden-bag")
    (bag / "data" / "records" / "org.yaml").write_bytes(b"leader: nobody!!\n")
    archive = tmp_path / "bag.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(bag, arcname="garden-bag")
    line = refused(archive)
    assert line == (
        f'{archive}: bag fixity check failed: "data/records/org.yaml" does not match its '
        "sha256, sha512 checksums (1 file failed)"
    )


# -- unreadable input ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["b.zip", "b.tar.gz", "b.tgz", "b.tar"])
def test_empty_file(tmp_path: Path, temproot: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    assert "empty file, not a" in refused(tmp_path / name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("b.zip", "not a readable zip archive (truncated or corrupt)"),
        ("b.tar.gz", "not a readable gzip-compressed tar archive (no gzip header)"),
        ("b.tar", "not a readable tar archive (truncated or corrupt)"),
    ],
)
def test_random_bytes(tmp_path: Path, temproot: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(os.urandom(4096).replace(b"\x1f\x8b", b"xx"))
    assert refused(path) == f"{path}: {expected}"


def test_random_bytes_after_gzip_magic(tmp_path: Path, temproot: Path) -> None:
    path = tmp_path / "b.tgz"
    path.write_bytes(b"\x1f\x8b" + os.urandom(4096))
    assert refused(path).endswith(
        "not a readable gzip-compressed tar archive (truncated or corrupt)"
    )


def test_truncated_zip(tmp_path: Path, temproot: Path) -> None:
    data = make_zip(tmp_path / "full.zip", FILES).read_bytes()
    path = tmp_path / "b.zip"
    path.write_bytes(data[: len(data) // 2])
    assert refused(path) == f"{path}: not a readable zip archive (truncated or corrupt)"


def test_truncated_tgz(tmp_path: Path, temproot: Path) -> None:
    big = {**FILES, "logs/big.csv": os.urandom(200_000)}
    data = make_tar(tmp_path / "full.tgz", big).read_bytes()
    path = tmp_path / "b.tgz"
    path.write_bytes(data[: len(data) // 2])
    assert refused(path).endswith("(truncated or corrupt)")


def test_zip_with_bad_crc(tmp_path: Path, temproot: Path) -> None:
    path = make_zip(tmp_path / "b.zip", {**FILES, "x.txt": b"A" * 100})
    data = bytearray(path.read_bytes())
    # Flip a byte of the member's compressed data, just after its local header's name.
    offset = data.find(b"x.txt") + len(b"x.txt") + 2
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    assert "corrupt" in refused(path)


# -- hostile names ----------------------------------------------------------------


HOSTILE_NAMES = [
    ("../evil.txt", "'..' leaves the archive root"),
    ("logs/../../evil.txt", "'..' leaves the archive root"),
    ("/tmp/evil.txt", "absolute path"),
    ("..\\evil.txt", "backslash in member name"),
    ("C:/evil.txt", "Windows drive letter"),
    ("evil\x1b[31m.txt", "control character"),
    ("evil\r.txt", "control character"),
    ("evil\u202etxt.pdf", "control character"),
    ("x/" + "a" * 300, "path component is too long"),
]


@pytest.mark.parametrize(("member", "reason"), HOSTILE_NAMES)
@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_hostile_member_names_are_refused_before_writing(
    tmp_path: Path, temproot: Path, member: str, reason: str, fmt: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    if fmt == "zip":
        archive = zip_with(work / "b.zip", zipfile.ZipInfo(member), b"pwned")
    else:
        archive = tar_with(work / "b.tgz", tarfile.TarInfo(member), b"pwned")
    before = snapshot(tmp_path)
    line = refused(archive)
    assert reason in line
    assert "\x1b" not in line and "\r" not in line
    assert snapshot(tmp_path) == before
    assert not Path("/tmp/evil.txt").exists() or Path("/tmp/evil.txt").read_bytes() != b"pwned"


def test_escaped_member_name_in_message(tmp_path: Path, temproot: Path) -> None:
    archive = zip_with(tmp_path / "b.zip", zipfile.ZipInfo("a\x1bb\u202ec.txt"))
    line = refused(archive)
    assert 'member "a\\x1bb\\u202ec.txt"' in line


def test_zip_symlink_member(tmp_path: Path, temproot: Path) -> None:
    info = zipfile.ZipInfo("records/passwd")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = zip_with(tmp_path / "b.zip", info, b"/etc/passwd")
    assert refused(archive).endswith('member "records/passwd" is a symbolic link')


def test_zip_device_member(tmp_path: Path, temproot: Path) -> None:
    info = zipfile.ZipInfo("zero")
    info.create_system = 3
    info.external_attr = (stat.S_IFCHR | 0o666) << 16
    archive = zip_with(tmp_path / "b.zip", info)
    assert refused(archive).endswith('member "zero" is a character device')


def test_zip_encrypted_member(tmp_path: Path, temproot: Path) -> None:
    archive = zip_with(tmp_path / "b.zip", zipfile.ZipInfo("secret.txt"))
    # zipfile cannot write encrypted members: set the "encrypted" flag bit by hand.
    data = bytearray(archive.read_bytes())
    for signature, flags_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at : at + name_at + 10] == b"secret.txt":
                data[at + flags_at] |= 0x1
            at = data.find(signature, at + 4)
    archive.write_bytes(bytes(data))
    assert refused(archive).endswith('member "secret.txt" is encrypted')


@pytest.mark.parametrize(
    ("kind", "linkname", "reason"),
    [
        (tarfile.SYMTYPE, "/etc/passwd", "is a symbolic link"),
        (tarfile.SYMTYPE, "../../outside", "is a symbolic link"),
        (tarfile.LNKTYPE, "bundle.json", "is a hard link"),
        (tarfile.CHRTYPE, "", "is a device"),
        (tarfile.BLKTYPE, "", "is a device"),
        (tarfile.FIFOTYPE, "", "is a named pipe"),
        (b"Z", "", "has an unsupported type"),
    ],
)
def test_tar_special_members(
    tmp_path: Path, temproot: Path, kind: bytes, linkname: str, reason: str
) -> None:
    info = tarfile.TarInfo("records/special")
    info.type = kind
    info.linkname = linkname
    archive = tar_with(tmp_path / "b.tgz", info)
    before = snapshot(tmp_path)
    assert refused(archive).endswith(f'member "records/special" {reason}')
    assert snapshot(tmp_path) == before


def test_link_then_write_through_it_is_impossible(tmp_path: Path, temproot: Path) -> None:
    # The classic: a symlink "d" to the outside, then a file "d/x". The link is refused
    # first, so the write through it never happens.
    outside = tmp_path / "outside"
    outside.mkdir()
    path = tmp_path / "b.tgz"
    with tarfile.open(path, "w:gz") as tf:
        link = tarfile.TarInfo("d")
        link.type = tarfile.SYMTYPE
        link.linkname = str(outside)
        tf.addfile(link)
        data = b"pwned"
        member = tarfile.TarInfo("d/x")
        member.size = len(data)
        tf.addfile(member, io.BytesIO(data))
    refused(path)
    assert list(outside.iterdir()) == []


def test_duplicate_member_is_refused(tmp_path: Path, temproot: Path) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as zf, pytest.warns(UserWarning, match="Duplicate"):
        for name, data in FILES.items():
            zf.writestr(name, data)
        zf.writestr("bundle.json", b"{}")
    assert "duplicate member" in refused(path)


def test_file_and_folder_with_the_same_name(tmp_path: Path, temproot: Path) -> None:
    archive = make_tar(tmp_path / "b.tgz", {**FILES, "logs/patrol_01.csv/x": b"x"})
    assert "a file and a folder share this path" in refused(archive)


# -- limits ------------------------------------------------------------------------


def test_zip_bomb_is_stopped_while_streaming(tmp_path: Path, temproot: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in FILES.items():
            zf.writestr(name, data)
        with zf.open("logs/zeros.csv", "w") as member:
            for _ in range(50):
                member.write(bytes(MiB))
    assert archive.stat().st_size < MiB
    line = refused(archive)
    assert line.endswith('member "logs/zeros.csv": compression ratio above 200 (zip bomb?)')


def test_small_file_with_high_ratio_is_fine(tmp_path: Path, temproot: Path) -> None:
    archive = make_zip(tmp_path / "b.zip", {**FILES, "logs/zeros.csv": bytes(1_000_000)})
    with open_bundle(archive) as bundle:
        assert bundle.path("logs/zeros.csv").stat().st_size == 1_000_000


def patch_zip_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of member ``name`` in its local header and its
    central directory entry: an archive whose headers lie."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04" + b"")
    while local != -1:
        name_len = struct.unpack_from("<H", out, local + 26)[0]
        if bytes(out[local + 30 : local + 30 + name_len]) == name:
            struct.pack_into("<I", out, local + 22, size)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", out, central + 28)[0]
        if bytes(out[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", out, central + 24, size)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


@pytest.mark.parametrize(
    ("claimed", "expected"),
    [
        # Claims less than it holds: the data stops at the claim and its CRC fails.
        (100, "corrupt data (truncated archive or bad checksum)"),
        # Claims 40 MiB, under the per-file limit, so the header filter lets it through;
        # the ratio is only known from the bytes actually inflated, and stops it there.
        (40 * MiB, "compression ratio above 200 (zip bomb?)"),
    ],
)
def test_zip_header_lying_about_size(
    tmp_path: Path, temproot: Path, claimed: int, expected: str
) -> None:
    source = tmp_path / "honest.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in FILES.items():
            zf.writestr(name, data)
        zf.writestr("logs/zeros.csv", bytes(50 * MiB))
    liar = tmp_path / "liar.zip"
    liar.write_bytes(patch_zip_sizes(source.read_bytes(), b"logs/zeros.csv", claimed))
    with zipfile.ZipFile(liar) as zf:
        assert zf.getinfo("logs/zeros.csv").file_size == claimed  # the lie is in place
    line = refused(liar, Limits(max_file_bytes=64 * MiB))
    assert line.endswith(f'member "logs/zeros.csv": {expected}')


def test_per_file_limit_counts_real_bytes(tmp_path: Path, temproot: Path) -> None:
    archive = make_tar(tmp_path / "b.tgz", {**FILES, "logs/noise.csv": os.urandom(300_000)})
    line = refused(archive, Limits(max_file_bytes=100_000))
    assert 'member "logs/noise.csv": declares 300000 bytes, more than the per-file limit' in line


def test_total_limit(tmp_path: Path, temproot: Path) -> None:
    files = {**FILES, **{f"logs/noise{i}.csv": os.urandom(100_000) for i in range(5)}}
    for maker, name in ((make_zip, "b.zip"), (make_tar, "b.tgz")):
        archive = maker(tmp_path / name, files)
        assert "(total limit)" in refused(archive, Limits(max_total_bytes=300_000))


def test_tar_bomb_ratio(tmp_path: Path, temproot: Path) -> None:
    archive = tmp_path / "bomb.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, data in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("logs/zeros.csv")
        info.size = 50 * MiB
        tf.addfile(info, io.BytesIO(bytes(50 * MiB)))
    assert refused(archive).endswith("compression ratio above 200 (tar bomb?)")


def test_huge_pax_header_is_not_read_into_memory(tmp_path: Path, temproot: Path) -> None:
    archive = tmp_path / "pax.tgz"
    with tarfile.open(archive, "w:gz", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("bundle.json")
        info.pax_headers = {"comment": "x" * (9 * MiB)}
        data = FILES["bundle.json"]
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    assert refused(archive).endswith("archive header larger than 8 MiB")


@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_too_many_entries(tmp_path: Path, temproot: Path, fmt: str) -> None:
    files = {**FILES, **{f"logs/patrol_{i:03}.csv": b"date\n" for i in range(30)}}
    archive = (make_zip if fmt == "zip" else make_tar)(tmp_path / f"b.{fmt}", files)
    line = refused(archive, Limits(max_entries=10))
    assert "entries" in line and "10" in line


def test_overlapping_zip_members_are_refused(tmp_path: Path, temproot: Path) -> None:
    # Two central-directory entries sharing one local header and its compressed data:
    # the trick of "non-recursive" zip bombs.
    source = make_zip(tmp_path / "one.zip", {"aaaa.csv": bytes(10_000)})
    data = bytearray(source.read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    _count, cd_size, cd_offset = struct.unpack_from("<HII", data, eocd + 10)
    entry = bytes(data[cd_offset : cd_offset + cd_size])
    twin = entry.replace(b"aaaa.csv", b"bbbb.csv")
    new = bytes(data[:cd_offset]) + entry + twin
    tail = bytearray(data[eocd:])
    struct.pack_into("<HHII", tail, 8, 2, 2, cd_size * 2, cd_offset)
    path = tmp_path / "b.zip"
    path.write_bytes(new + bytes(tail))
    with zipfile.ZipFile(path) as zf:
        assert [i.header_offset for i in zf.infolist()] == [0, 0]
    assert refused(path).endswith("zip members overlap (zip bomb construction)")


# -- the property ----------------------------------------------------------------


# ".." and plain names are listed several times: escapes need "../a", not just "..".
SEGMENTS = st.sampled_from(
    [".."] * 4
    + ["a", "a", "b", "bundle.json", ".", "", "C:", "x:y", "\\", "..\\.."]
    + ["\x1b", "\u202e", "é", " ", "~", "\x7f"]
)
NAMES = st.lists(SEGMENTS, min_size=1, max_size=6).map("/".join) | st.text(max_size=20)


def _build(path: Path, fmt: str, names: list[str]) -> None:
    """An archive with the given member names (the last one, bundle.json, gets a valid
    manifest so that safe archives open successfully)."""
    contents = [f"file {i}".encode() for i in range(len(names) - 1)] + [FILES["bundle.json"]]
    if fmt == "zip":
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in zip(names, contents, strict=True):
                try:
                    zf.writestr(zipfile.ZipInfo(name), data)
                except (ValueError, UnicodeEncodeError):
                    continue
    else:
        with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as tf:
            for name, data in zip(names, contents, strict=True):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                try:
                    tf.addfile(info, io.BytesIO(data))
                except (ValueError, UnicodeEncodeError):
                    continue


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=6), fmt=st.sampled_from(["zip", "tgz"]))
def test_random_member_names_never_write_outside_the_temp_root(names: list[str], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as sandbox_name:
        sandbox = Path(sandbox_name)
        temp = sandbox / "temp"
        temp.mkdir()
        archive = sandbox / f"b.{fmt}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicates we want
            _build(archive, fmt, [*names, "bundle.json"])
        before = snapshot(sandbox)
        with mock.patch.object(tempfile, "tempdir", str(temp)):
            try:
                bundle = open_bundle(archive)
            except BundleError as exc:
                assert "\n" not in exc.line()
                bundle = None
            # Anything new must sit inside the one private compliance-* folder.
            new = [Path(p).parts for p in snapshot(sandbox) - before]
            assert all(len(p) >= 2 and p[0] == "temp" for p in new), new
            assert len({p[1] for p in new}) <= 1, new
            assert all(p[1].startswith("compliance-") for p in new), new
            if bundle is not None:
                root = bundle.root.resolve()
                for rel in bundle.files:
                    assert root in bundle.path(rel).parents
                for written in temp.rglob("*"):
                    assert not written.is_symlink()
                bundle.close()
        assert os.listdir(temp) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_temp_folder_is_removed_when_bundle_is_garbage_collected(
    tmp_path: Path, temproot: Path
) -> None:
    import gc

    archive = make_zip(tmp_path / "b.zip", FILES)
    bundle = open_bundle(archive)
    assert len(os.listdir(temproot)) == 1
    del bundle
    gc.collect()
    assert os.listdir(temproot) == []
