"""A small reader for gettext .po files: enough to check a catalog, no dependency needed."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(text for text in self.msgstr.values())


def parse(path: Path) -> list[Entry]:
    """Every entry of the catalog at ``path`` (the header too, as the entry with msgid "")."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if current is not None:
                entries.append(current)
            current, target = None, None
            continue
        if current is None:
            current = Entry()
        if line.startswith("#~"):
            current.obsolete = True
            continue
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#:"):
            current.references.extend(line[2:].split())
            continue
        if line.startswith("#"):
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, literal = match.groups()
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            target = (keyword.split("[")[0], index)
            _append(current, target, "")
        elif not line.startswith('"') or target is None:
            raise ValueError(f"{path}: cannot read line {raw!r}")
        else:
            literal = line
        _append(current, target, ast.literal_eval(literal))
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    keyword, index = target
    if keyword == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    elif keyword == "msgid":
        entry.msgid += text
    elif keyword == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    else:
        entry.msgid_plural = (entry.msgid_plural or "") + text
