"""Start-up checks of the documents app (``manage.py check`` and every command that runs it)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from documents.letter_data import letter_url_problem


def letter_site_url_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With DEBUG off, a loopback SITE_URL (which letters would print as their verification
    address) is an error at start-up; letters refuse to issue with it too."""
    problem = letter_url_problem()
    return [checks.Error(problem, id="documents.E001")] if problem else []
