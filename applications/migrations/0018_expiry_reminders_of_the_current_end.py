from django.db import migrations

# Application.REMINDER_STAGES as bits, as they stood when this migration was written.
STAGE_BITS = {90: 1, 30: 2, 7: 4}


def keep_reminders_of_the_current_end(apps, schema_editor):
    """Until now a reminder stage counted whatever term end it was sent for, so a waiver
    reminded and then extended had no reminders before its new end. An extension now clears
    them (``Application.extend``); each case extended so far keeps only the stages its trail
    has a reminder for at its current end."""
    Application = apps.get_model("applications", "Application")
    AuditEvent = apps.get_model("applications", "AuditEvent")
    extended = (
        Application.objects.filter(extensions_used__gt=0, term_end__isnull=False)
        .exclude(expiry_reminders_sent=0)
        .values_list("pk", "term_end")
    )
    for pk, term_end in list(extended):
        payloads = AuditEvent.objects.filter(
            application_id=pk, action="expiry_reminder"
        ).values_list("payload", flat=True)
        sent = 0
        for payload in payloads:
            if str(payload.get("term_end")) == term_end.isoformat():
                sent |= STAGE_BITS.get(payload.get("days_before"), 0)
        Application.objects.filter(pk=pk).update(expiry_reminders_sent=sent)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0017_consultation_pending_due_index"),
    ]

    operations = [
        migrations.RunPython(keep_reminders_of_the_current_end, migrations.RunPython.noop),
    ]
