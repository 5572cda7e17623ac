"""Test settings: only what tests need differs from the real settings."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sandbox.settings import *  # noqa: F403
from sandbox.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_STORAGE_ROOT = Path(tempfile.mkdtemp(prefix="sandbox-test-private-"))

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so threads and live servers share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / "sandbox-test.sqlite3")}
