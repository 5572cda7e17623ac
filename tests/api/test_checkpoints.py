"""Signed checkpoints of the audit chain: made on demand and on the scheduler's interval, signed
with the letter-sealing key (checked here with the openssl command line, as an outsider
would), listed in the API and on a public page; verification starts from the last good one,
and a history rewritten behind the database's back — even rehashed to the head — is caught."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.management import CommandError, call_command
from django.test import Client

from api.checkpoints import checkpoint_create, checkpoint_on_schedule
from api.models import AuditCheckpoint
from applications import deadlines
from applications.audit import chain_hash, event_body, utc_text
from applications.models import AuditChainHead, AuditEvent
from tests.api.chain import append_bulk
from tests.api.problems import problem_of
from tests.api.test_verifier import VERIFIER
from tests.applications.test_audit_tamper import _behind_the_orm as behind_the_orm
from tests.builders import World, drive

TABLE = AuditEvent._meta.db_table
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def test_an_auditor_signs_a_checkpoint_on_demand(world: World, api_as):
    drive(world, "submitted")
    api = api_as(world.auditor)
    with time_machine.travel(T0, tick=False):
        made = api.request("POST", "/api/v1/audit/checkpoints/")
    assert made.status_code == 201
    head = AuditChainHead.objects.get()
    body = made.json()
    checkpoint = AuditCheckpoint.objects.get()
    assert body == {
        "seq": head.seq,
        "head_hash": head.hash,
        "signed_at": "2026-03-02T01:00:00Z",
        "issuer": "http://127.0.0.1:8000",
        "trigger": "demand",
        "message": (
            f'{{"chain":"sandbox-audit","head_hash":"{head.hash}",'
            f'"issuer":"http://127.0.0.1:8000","seq":{head.seq},'
            '"signed_at":"2026-03-02T01:00:00Z"}'
        ),
        "algorithm": "RSASSA-PKCS1-v1_5-SHA256",
        "signature": checkpoint.signature,
        "certificate_sha256": checkpoint.certificate_sha256,
        "certificate_url": "http://testserver/audit/certificate.pem",
        "url": f"http://testserver/api/v1/audit/checkpoints/{head.seq}/",
    }
    assert made["Location"] == body["url"]
    assert checkpoint.requested_by == world.auditor
    again = api.request("POST", "/api/v1/audit/checkpoints/")
    assert (again.status_code, again.json()["seq"]) == (200, head.seq)  # nothing new to sign
    drive(world, "submitted")
    later = api.request("POST", "/api/v1/audit/checkpoints/")
    assert (later.status_code, later.json()["seq"]) == (201, AuditChainHead.objects.get().seq)
    listed = api.get("/api/v1/audit/checkpoints/").json()["results"]
    assert [item["seq"] for item in listed] == [later.json()["seq"], head.seq]
    assert api.get(f"/api/v1/audit/checkpoints/{head.seq}/").json() == body


def test_only_auditors_ask_for_checkpoints_though_everyone_may_read_them(world: World, api_as):
    drive(world, "submitted")
    for persona in ("applicant", "officer", "decider"):
        api = api_as(world.persona(persona))
        refused = api.request("POST", "/api/v1/audit/checkpoints/")
        assert problem_of(refused, 403, "permission_denied")["detail"] == (
            "Only auditors may ask for a checkpoint."
        )
        assert api.get("/api/v1/audit/checkpoints/").status_code == 200
    assert api_as(None).request("POST", "/api/v1/audit/checkpoints/").status_code == 401
    assert not AuditCheckpoint.objects.exists()


def test_the_signature_verifies_with_openssl_from_the_public_files(world: World, tmp_path):
    drive(world, "approved")
    checkpoint, _ = checkpoint_create()
    public = Client()  # no sign-in
    saved = public.get(f"/audit/checkpoints/{checkpoint.seq}.json")
    assert saved.status_code == 200
    data = saved.json()
    (tmp_path / "message.txt").write_bytes(data["message"].encode("utf-8"))
    (tmp_path / "signature.bin").write_bytes(base64.b64decode(data["signature"]))
    (tmp_path / "seal.pem").write_bytes(public.get("/audit/certificate.pem").content)

    def openssl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["openssl", *args], cwd=tmp_path, capture_output=True, text=True)

    assert (
        openssl("x509", "-in", "seal.pem", "-pubkey", "-noout", "-out", "pub.pem").returncode == 0
    )
    verify = ("dgst", "-sha256", "-verify", "pub.pem", "-signature", "signature.bin")
    good = openssl(*verify, "message.txt")
    assert (good.returncode, good.stdout.strip()) == (0, "Verified OK")
    forged = data["message"].replace(f'"seq":{checkpoint.seq}', f'"seq":{checkpoint.seq + 1}')
    (tmp_path / "forged.txt").write_text(forged)
    assert openssl(*verify, "forged.txt").returncode != 0
    assert json.loads(data["message"]) == {
        "chain": "sandbox-audit",
        "head_hash": checkpoint.head_hash,
        "issuer": "http://127.0.0.1:8000",
        "seq": checkpoint.seq,
        "signed_at": utc_text(checkpoint.signed_at),
    }


def test_the_scheduler_signs_on_its_interval_while_the_chain_grows(world: World, settings):
    settings.AUDIT_CHECKPOINT_INTERVAL = 3600
    assert "audit_checkpoint" in {job.name for job in deadlines.TICK_JOBS}
    drive(world, "submitted")
    with time_machine.travel(T0, tick=False):
        first = checkpoint_on_schedule()
    assert first == (
        f"audit checkpoint #{AuditChainHead.objects.get().seq} signed "
        f"({AuditChainHead.objects.get().hash[:12]}…)"
    )
    drive(world, "submitted")
    with time_machine.travel(T0 + dt.timedelta(minutes=59), tick=False):
        assert checkpoint_on_schedule() == ""  # not yet due
    with time_machine.travel(T0 + dt.timedelta(minutes=61), tick=False):
        assert checkpoint_on_schedule().startswith("audit checkpoint #")
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        assert checkpoint_on_schedule() == ""  # due, but the chain has not grown
    assert list(AuditCheckpoint.objects.values_list("trigger", flat=True)) == [
        "schedule",
        "schedule",
    ]
    settings.AUDIT_CHECKPOINT_INTERVAL = 0
    drive(world, "submitted")
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        assert checkpoint_on_schedule() == ""  # switched off


def test_verification_starts_from_the_last_good_checkpoint(world: World, api_as):
    drive(world, "approved")
    checkpoint, _ = checkpoint_create()
    _, last = append_bulk(25)
    api = api_as(world.auditor)
    body = api.get("/api/v1/audit/verify/").json()
    assert {k: body[k] for k in ("ok", "started_from", "from_seq", "events_checked")} == {
        "ok": True,
        "started_from": "checkpoint",
        "from_seq": checkpoint.seq,
        "events_checked": 25,
    }
    assert body["checkpoint_url"] == (
        f"http://testserver/api/v1/audit/checkpoints/{checkpoint.seq}/"
    )
    assert (body["head_seq"], body["head_hash"]) == (last, AuditChainHead.objects.get().hash)
    whole = api.get("/api/v1/audit/verify/", start="genesis").json()
    assert (whole["ok"], whole["started_from"], whole["events_checked"]) == (True, "genesis", last)
    assert whole["checkpoints_checked"] == 1


def _rewrite_and_rehash(victim_seq: int) -> None:
    """What someone who can switch the trigger off could do: change an event, rehash every
    later one and move the head row along, so that a walk from the genesis finds nothing."""
    with behind_the_orm() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET payload = %s WHERE seq = %s", ['{"forged": true}', victim_seq]
        )
    prev = AuditEvent.objects.get(seq=victim_seq - 1).hash
    rows = AuditEvent.objects.filter(seq__gte=victim_seq).select_related("application")
    for event in rows.order_by("seq"):
        digest = chain_hash(
            prev,
            event_body(
                seq=event.seq,
                occurred_at=utc_text(event.occurred_at),
                application=event.application.reference if event.application else None,
                actor=event.actor_name,
                actor_role=event.actor_role,
                action=event.action,
                from_status=event.from_status,
                to_status=event.to_status,
                payload=event.payload,
            ),
        )
        with behind_the_orm() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, digest, event.seq],
            )
        prev = digest
    AuditChainHead.objects.filter(pk=1).update(hash=prev)


def test_a_history_rewritten_and_rehashed_is_caught_by_a_checkpoint(world: World, api_as, tmp_path):
    drive(world, "approved")
    checkpoint, _ = checkpoint_create()
    kept = tmp_path / "checkpoint.json"
    kept.write_text(json.dumps(Client().get(f"/audit/checkpoints/{checkpoint.seq}.json").json()))
    drive(world, "submitted")
    victim = AuditEvent.objects.get(action="recommend").seq
    _rewrite_and_rehash(victim)
    api = api_as(world.auditor)
    problem = (
        f"event #{checkpoint.seq} no longer has the hash checkpoint #{checkpoint.seq} signed: "
        "the trail was rewritten"
    )
    for start in ("checkpoint", "genesis"):
        body = api.get("/api/v1/audit/verify/", start=start).json()
        assert (body["ok"], body["first_broken_seq"], body["problem"]) == (
            False,
            checkpoint.seq,
            problem,
        ), start
    # The export still verifies on its own (it was rehashed) but not against the checkpoint.
    export = tmp_path / "events.ndjson"
    export.write_bytes(b"".join(api.get("/api/v1/events/", format="ndjson").streaming_content))
    run = [sys.executable, "-I", "-S", str(VERIFIER), str(export)]
    alone = subprocess.run(run, capture_output=True, text=True)
    assert alone.returncode == 0
    held = subprocess.run([*run, "--checkpoint", str(kept)], capture_output=True, text=True)
    assert held.returncode == 1
    assert held.stdout == (
        f"BROKEN: event #{checkpoint.seq} differs from the checkpoint: history was rewritten\n"
    )
    refused = api.request("POST", "/api/v1/audit/checkpoints/")
    assert "does not hold" not in problem_of(refused, 409, "conflict")["detail"]
    assert AuditCheckpoint.objects.count() == 1  # nothing signed over a rewritten chain


def test_an_export_after_a_checkpoint_verifies_from_it(world: World, api_as, tmp_path):
    drive(world, "approved")
    checkpoint, _ = checkpoint_create()
    drive(world, "submitted")
    api = api_as(world.auditor)
    kept = tmp_path / "checkpoint.json"
    kept.write_text(api.get(f"/api/v1/audit/checkpoints/{checkpoint.seq}/").content.decode())
    export = tmp_path / "events.csv"
    pulled = api.get("/api/v1/events/", format="csv", after_seq=checkpoint.seq)
    export.write_bytes(b"".join(pulled.streaming_content))
    run = [sys.executable, "-I", "-S", str(VERIFIER), str(export), "--checkpoint", str(kept)]
    result = subprocess.run(run, capture_output=True, text=True)
    head = AuditChainHead.objects.get()
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        f"OK: {head.seq - checkpoint.seq} events, each matching its hash",
        "every link followed from the checkpoint",
        f"head: #{head.seq} {head.hash}",
    ]


def _forged_checkpoint(seq: int, head_hash: str) -> AuditCheckpoint:
    """A checkpoint row signed with a key that is not the authority's."""
    genuine = AuditCheckpoint.objects.order_by("-seq").first()
    assert genuine is not None
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = genuine.message.replace(f'"seq":{genuine.seq}', f'"seq":{seq}').replace(
        genuine.head_hash, head_hash
    )
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return AuditCheckpoint.objects.create(
        seq=seq,
        head_hash=head_hash,
        signed_at=genuine.signed_at,
        issuer=genuine.issuer,
        message=message,
        algorithm=genuine.algorithm,
        signature=base64.b64encode(signature).decode(),
        certificate=genuine.certificate,
        certificate_sha256=genuine.certificate_sha256,
        trigger="demand",
    )


def test_a_checkpoint_row_with_a_forged_signature_is_not_trusted(world: World, api_as):
    drive(world, "approved")
    genuine, _ = checkpoint_create()
    drive(world, "submitted")
    head = AuditChainHead.objects.get()
    _forged_checkpoint(head.seq, head.hash)
    api = api_as(world.auditor)
    quick = api.get("/api/v1/audit/verify/").json()
    assert (quick["ok"], quick["from_seq"]) == (True, genuine.seq)  # the forged one is passed over
    whole = api.get("/api/v1/audit/verify/", start="genesis").json()
    assert (whole["ok"], whole["first_broken_seq"], whole["problem"]) == (
        False,
        head.seq,
        f"checkpoint #{head.seq}: its signature does not hold",
    )


def test_no_checkpoint_is_signed_over_a_broken_chain(world: World, api_as):
    drive(world, "approved")
    victim = AuditEvent.objects.get(action="accept").seq
    with behind_the_orm() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET action = 'reject' WHERE seq = %s", [victim])
    body = problem_of(
        api_as(world.auditor).request("POST", "/api/v1/audit/checkpoints/"), 409, "conflict"
    )
    assert body["detail"] == (
        f"the audit chain is broken at event #{victim}: event #{victim} was altered"
    )
    with pytest.raises(
        CommandError, match=f"No checkpoint signed: the audit chain is broken at event #{victim}"
    ):
        call_command("audit_checkpoint")
    assert not AuditCheckpoint.objects.exists()


def test_the_command_signs_and_says_so(world: World):
    drive(world, "submitted")
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    head = AuditChainHead.objects.get()
    assert out.getvalue() == f"Checkpoint #{head.seq} {head.hash} (signed).\n"
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    assert "(unchanged since the last checkpoint)" in out.getvalue()


@pytest.mark.parametrize(
    ("language", "heading", "made"),
    [("en", "Audit chain checkpoints", "On demand"), ("ko", "감사 기록 체크포인트", "요청 시")],
)
def test_the_public_page_lists_the_checkpoints(world: World, language, heading, made):
    public = Client(headers={"Accept-Language": language})
    empty = public.get("/audit/checkpoints/").content.decode()
    assert heading in empty
    drive(world, "submitted")
    checkpoint, _ = checkpoint_create()
    page = public.get("/audit/checkpoints/").content.decode()
    assert checkpoint.head_hash in page
    assert f'href="/audit/checkpoints/{checkpoint.seq}.json"' in page
    assert made in page
    assert 'href="/audit/certificate.pem"' in page and 'href="/api/verifier.py"' in page
    assert public.get("/audit/checkpoints/99999.json").status_code == 404
    assert public.get(f"/audit/checkpoints/{'9' * 25}.json").status_code == 404


def test_the_certificate_is_the_sealing_certificate(world: World):
    from documents.signing import authority_key

    pem = Client().get("/audit/certificate.pem").content
    _, cert = authority_key()
    assert pem == cert.public_bytes(serialization.Encoding.PEM)
