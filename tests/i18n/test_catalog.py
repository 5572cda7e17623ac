"""The Korean catalog is complete: every string the code marks for translation is in it, each
one translated (no empty or fuzzy entries), with the same placeholders, and it compiles."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.i18n import po

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")
# Folders that hold no source of ours; the copy below skips them for speed.
NOT_SOURCE = {".git", ".venv", "node_modules", "var", "staticfiles", "locale", "__pycache__"}


def makefile_messages_flags() -> list[str]:
    """The makemessages arguments of ``make messages``, so that this test checks exactly what
    the documented command produces."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    match = re.search(r"^MESSAGES_FLAGS\s*:=\s*(.+)$", text, flags=re.MULTILINE)
    assert match, "Makefile has no MESSAGES_FLAGS"
    return shlex.split(match.group(1).replace("$(VENV)", ".venv"))


def entries() -> list[po.Entry]:
    return [e for e in po.parse(CATALOG) if e.msgid and not e.obsolete]


def test_every_entry_of_the_korean_catalog_is_translated_and_none_is_fuzzy():
    found = entries()
    untranslated = [e.msgid for e in found if not e.translated]
    fuzzy = [e.msgid for e in found if "fuzzy" in e.flags]
    assert untranslated == [], f"untranslated in {CATALOG}: {untranslated}"
    assert fuzzy == [], f"fuzzy (check, then remove the flag) in {CATALOG}: {fuzzy}"


def test_the_catalog_is_korean_with_korean_plural_rules():
    header = next(e for e in po.parse(CATALOG) if e.msgid == "")
    text = header.msgstr[0]
    assert "Language: ko\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text
    assert "fuzzy" not in header.flags
    plurals = [e for e in entries() if e.msgid_plural is not None]
    assert all(set(e.msgstr) == {0} for e in plurals), "Korean has one plural form: msgstr[0]"


def test_translations_keep_every_placeholder_of_the_english_text():
    wrong = []
    for entry in entries():
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural is not None:
            expected |= set(PLACEHOLDER.findall(entry.msgid_plural))
        for text in entry.msgstr.values():
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_translations_contain_korean_text():
    # Catches an English text pasted as its own "translation".
    latin_only = [
        e.msgid
        for e in entries()
        if not any("\uac00" <= ch <= "\ud7a3" for text in e.msgstr.values() for ch in text)
        and e.msgid not in {"SHA-256"}
    ]
    assert latin_only == []


def test_the_catalog_compiles_with_gettexts_format_checks():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOG)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr


def test_every_string_marked_in_the_code_is_in_the_korean_catalog(tmp_path, monkeypatch):
    """``make messages`` run on a copy of the source finds nothing the catalog lacks."""
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda folder, names: [
            n
            for n in names
            if n in NOT_SOURCE
            or (Path(folder, n).is_file() and Path(n).suffix not in {".py", ".html", ".txt"})
        ],
    )
    (source / "locale").mkdir()
    monkeypatch.chdir(source)  # makemessages reads the current folder
    with override_settings(LOCALE_PATHS=[source / "locale"]):
        call_command("makemessages", *makefile_messages_flags(), verbosity=0)
    fresh = po.parse(source / "locale" / "ko" / "LC_MESSAGES" / "django.po")
    in_code = {e.key: e.references for e in fresh if e.msgid}
    in_catalog = {e.key for e in entries()}
    missing = {key: refs for key, refs in in_code.items() if key not in in_catalog}
    assert len(in_code) > 100  # the copy really held the source
    assert missing == {}, "run `make messages` and translate the new entries"
