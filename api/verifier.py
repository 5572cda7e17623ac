#!/usr/bin/env python3
"""Check an export of the Sandbox audit chain offline. Python 3.8+, standard library only.

    python3 verifier.py events.csv                  # or events.ndjson
    python3 verifier.py events.ndjson --checkpoint checkpoint.json

Get the export from the API (``GET /api/v1/events/?format=csv`` or ``?format=ndjson``); a
checkpoint is one of ``GET /api/v1/audit/checkpoints/`` (its ``seq`` and ``head_hash``).

The rule, for every event in seq order (docs/api.md, "The hash rule"):

    body = the event's seq, occurred_at, application, actor, actor_role, action,
           from_status, to_status and payload, exactly as exported; application is null
           when to_status is "draft" (a draft has no reference yet)
    hash = sha256(prev_hash + json.dumps(body, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False), UTF-8)
    prev_hash = the hash of the event before (64 zeros before the first)

A submission lists in payload["draft_events"] the events recorded while its case was a draft;
the events exported under that case with to_status "draft" must be exactly those.

Exit status 0: every event fits, and the head is printed. 1: the first event that does not
fit is named. 2: the file cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

GENESIS = "0" * 64
HASHED = "seq occurred_at application actor actor_role action from_status to_status payload"


def read_events(path: str) -> Iterator[dict[str, Any]]:
    """Yield each event as a dict, typed as in the JSON feed (NDJSON or CSV with a BOM)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        if first.lstrip().startswith("{"):  # NDJSON: one JSON object a line
            for line in [first, *handle]:
                if line.strip():
                    yield json.loads(line)
            return
        reader = csv.DictReader([first], strict=True)
        header = reader.fieldnames
        for row in csv.DictReader(handle, fieldnames=header, strict=True):
            row["seq"] = int(row["seq"])
            row["application"] = row["application"] or None  # an empty cell: no case
            row["payload"] = json.loads(row["payload"])
            yield row


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    body = {name: event[name] for name in HASHED.split()}
    if body["to_status"] == "draft":
        body["application"] = None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def verify(
    events: Iterable[dict[str, Any]], checkpoint: dict[str, Any] | None = None
) -> tuple[bool, list[str]]:
    """Return (ok, lines to print). ``checkpoint`` is {"seq": n, "head_hash": h} or None."""
    count, gaps, last, origin = 0, 0, None, None  # origin: the seq the links are followed from
    drafts: dict[str, list[int]] = {}  # case reference -> seqs of its draft-time events seen so far
    for event in events:
        seq = event["seq"]
        where = f"event #{seq}"
        if event_hash(event["prev_hash"], event) != event["hash"]:
            return False, [where + " was altered: its content does not give its hash"]
        if last is None:  # the first event: is it the genesis, or right after the checkpoint?
            if seq == 1 and event["prev_hash"] == GENESIS:
                origin = 0
            elif checkpoint and seq == checkpoint["seq"] + 1:
                if event["prev_hash"] != checkpoint["head_hash"]:
                    return False, [where + " does not follow the checkpoint's signed hash"]
                origin = checkpoint["seq"]
        elif seq <= last["seq"]:
            return False, [where + " is out of order (the export must be oldest first)"]
        elif seq != last["seq"] + 1:  # a filtered export: links can be followed no further
            gaps, origin, drafts = gaps + 1, None, {}
        elif event["prev_hash"] != last["hash"]:
            return False, [where + " does not follow its predecessor"]
        if checkpoint and seq == checkpoint["seq"] and event["hash"] != checkpoint["head_hash"]:
            return False, [where + " differs from the checkpoint: history was rewritten"]
        case = event["application"]
        if origin is not None and case and event["to_status"] == "draft":
            drafts.setdefault(case, []).append(seq)
        elif origin is not None and case and event["from_status"] == "draft":
            seen = drafts.pop(case, [])
            listed = [n for n in event["payload"].get("draft_events", seen) if n > origin]
            if sorted(seen) != sorted(listed):
                first = min(set(seen) ^ set(listed))
                return False, [
                    f"event #{first}: its case does not match the draft events that "
                    f"submission #{seq} lists"
                ]
        count, last = count + 1, event
    if last is None:
        return False, ["the export holds no events"]
    lines = [f"OK: {count} events, each matching its hash"]
    if gaps:
        lines.append(
            f"a filtered export ({gaps} gaps): links checked between consecutive events only"
        )
    elif origin is not None:
        lines.append("every link followed from the " + ("checkpoint" if origin else "genesis"))
    if checkpoint and last["seq"] < checkpoint["seq"]:
        lines.append(f"note: the export ends before checkpoint #{checkpoint['seq']}")
    if drafts:
        lines.append(f"note: {len(drafts)} case(s) were submitted after the export was cut")
    lines.append(f"head: #{last['seq']} {last['hash']}")
    return True, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Sandbox audit chain export.")
    parser.add_argument("export", help="events.csv or events.ndjson from /api/v1/events/")
    parser.add_argument("--checkpoint", help="a checkpoint JSON (seq, head_hash) to hold it to")
    args = parser.parse_args(argv)
    try:
        checkpoint = None
        if args.checkpoint:
            with open(args.checkpoint, encoding="utf-8") as handle:
                checkpoint = json.load(handle)
        ok, lines = verify(read_events(args.export), checkpoint)
    except (OSError, ValueError, KeyError, TypeError, csv.Error) as error:
        print(f"cannot read the export: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines) if ok else "BROKEN: " + lines[0])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
