"""Email through Django's backend (console by default, SMTP when ``EMAIL_BACKEND``/``EMAIL_HOST``
say so): a plain-text body and an HTML alternative, both rendered in the reader's language by
templates that escape what people typed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def site_link(path: str) -> str:
    """An absolute link to a page of this site, for emails and letters."""
    return str(settings.SITE_URL).rstrip("/") + path


def send_templated(
    *, to: list[str], language: str, subject: str, template: str, context: dict[str, Any]
) -> int:
    """Send ``template``.txt with ``template``.html as its alternative, in ``language``;
    returns the number of emails sent (0 when there is nobody to send to)."""
    if not to:
        return 0
    context = {**context, "language": language}
    with translation.override(language):
        text_body = render_to_string(f"{template}.txt", context)
        html_body = render_to_string(f"{template}.html", context)
        message = EmailMultiAlternatives(
            subject=" ".join(str(subject).split()), body=text_body, to=to
        )
        message.attach_alternative(html_body, "text/html")
        return message.send()
