"""Item 3 of the second security review: the upload check looks into OOXML and HWPX archives
without inflating them. Every limit (members, declared sizes, total, ratio) is checked on the
archive's directory first, and the one member read goes through a bounded stream, so a hostile
upload costs a small fixed amount of memory (measured on a separate process's peak RSS)."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from documents import uploads
from documents.uploads import UploadRefused, check_upload
from tests.portal import samples

MIB = 1024 * 1024
# What a hostile upload may add to the checking process's peak memory: the upload itself
# (about 1 MiB here) held twice, python-magic and zipfile's small buffers.
MEMORY_BUDGET = 32 * MIB
ROOT = Path(__file__).resolve().parents[2]


def zeros_member(archive: zipfile.ZipFile, name: str, size: int) -> None:
    with archive.open(name, "w") as member:
        chunk = bytes(MIB)
        for _ in range(size // MIB):
            member.write(chunk)


def bomb(inflated: int, *, member: str = "mimetype") -> bytes:
    """An HWPX-like zip whose ``member`` inflates to ``inflated`` bytes of zeros (about
    1000:1). Its first entry is a small XML file, so python-magic calls it a zip and the check
    looks inside (an office file's own first entries make it "docx" at once: bounded alike)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
        zeros_member(archive, member, inflated)
        archive.writestr("Contents/content.hpf", "<x/>")
    return buffer.getvalue()


def office_bomb(inflated: int) -> bytes:
    """A .docx (python-magic says so from its first entries) with a zero-filled image."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
        zeros_member(archive, "word/media/blank.bin", inflated)
    return buffer.getvalue()


def lying_sizes(data: bytes, member: str, size: int) -> bytes:
    """The same archive with ``member``'s uncompressed size rewritten to ``size`` in its local
    header and in the central directory (the bytes still inflate to the real size)."""
    out = bytearray(data)
    name = member.encode()
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", out, start + name_len_at)[0]
            if bytes(out[start + name_at : start + name_at + length]) == name:
                struct.pack_into("<I", out, start + size_at, size)
            start += 4
    return bytes(out)


@pytest.fixture(scope="module")
def gigabyte_bomb(tmp_path_factory) -> Path:
    """A 1 MiB archive whose ``mimetype`` member inflates to 1 GiB (the reviewers' sample)."""
    path = tmp_path_factory.mktemp("bombs") / "bomb.hwpx"
    path.write_bytes(bomb(1024 * MIB))
    return path


def peak_memory_growth(path: Path, name: str) -> tuple[int, str]:
    """Run the upload check on the file in a fresh process; the growth of its peak RSS (bytes)
    across the check, and the verdict."""
    script = textwrap.dedent(
        f"""
        import resource, django
        django.setup()
        from documents.uploads import UploadRefused, check_upload
        data = open({str(path)!r}, "rb").read()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            verdict = check_upload({name!r}, [data])[0].kind.code
        except UploadRefused as refused:
            verdict = "refused: " + refused.message
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(after - before)
        print(verdict)
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sandbox.settings_test"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    growth, verdict = done.stdout.strip().splitlines()[-2:]
    return int(growth) * 1024, verdict


def test_a_gigabyte_bomb_is_refused_within_a_small_memory_budget(gigabyte_bomb):
    assert gigabyte_bomb.stat().st_size < 2 * MIB
    growth, verdict = peak_memory_growth(gigabyte_bomb, "plan.hwpx")
    assert verdict.startswith("refused: ") and "packed in a way we cannot accept" in verdict
    assert growth < MEMORY_BUDGET, f"peak memory grew by {growth / MIB:.0f} MiB"


def test_a_bomb_whose_headers_lie_about_its_size_is_never_inflated(gigabyte_bomb, tmp_path):
    """Declared sizes pass every limit; the bounded read still inflates only a few bytes."""
    liar = tmp_path / "liar.hwpx"
    liar.write_bytes(lying_sizes(gigabyte_bomb.read_bytes(), "mimetype", 20))
    growth, verdict = peak_memory_growth(liar, "plan.hwpx")
    # Its checksum fails at the end of the bounded read: not a file we can accept.
    assert verdict.startswith("refused: ")
    assert growth < MEMORY_BUDGET, f"peak memory grew by {growth / MIB:.0f} MiB"


def test_too_many_members_are_refused_before_zipfile_reads_them():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        for n in range(uploads.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"p/{n}", "")
    with pytest.raises(UploadRefused, match="packed in a way"):
        check_upload("plan.docx", [buffer.getvalue()])


def test_a_member_too_large_or_too_compressed_is_refused_by_its_declared_size():
    for name, data in (("plan.hwpx", bomb(8 * MIB)), ("plan.docx", office_bomb(8 * MIB))):
        with pytest.raises(UploadRefused, match="packed in a way"):
            check_upload(name, [data])  # 8 MiB of zeros, about 1000:1
    huge = lying_sizes(samples.DOCX, "word/document.xml", uploads.MAX_ZIP_MEMBER_BYTES + 1)
    with pytest.raises(UploadRefused, match="packed in a way"):
        check_upload("plan.docx", [huge])


def test_the_total_declared_size_is_bounded_too():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", "<w/>")
        for n in range(3):
            archive.writestr(f"part{n}.bin", b"x")
    per_member = uploads.MAX_ZIP_TOTAL_BYTES // 3 + 1  # each under the member limit
    data = buffer.getvalue()
    for n in range(3):
        data = lying_sizes(data, f"part{n}.bin", per_member)
    with pytest.raises(UploadRefused, match="packed in a way"):
        check_upload("plan.docx", [data])


def test_ordinary_office_files_still_pass():
    for name, data in (
        ("plan.docx", samples.DOCX),
        ("sheet.xlsx", samples.XLSX),
        ("plan.hwpx", samples.HWPX),
    ):
        checked, _ = check_upload(name, [data])
        assert checked.kind.extensions[0] == "." + name.rsplit(".", 1)[1]
    # A realistic, well-compressed document body (XML compresses about 10:1) is fine.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        body = "".join(
            f"<w:p><w:r><w:t>문단 {n} 내용 {n * 7919 % 1000}</w:t></w:r></w:p>"
            for n in range(60000)
        )
        archive.writestr("word/document.xml", body)
    assert check_upload("long.docx", [buffer.getvalue()])[0].kind.code == "docx"
