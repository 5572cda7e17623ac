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
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.mkdtemp(prefix="sandbox-test-db-")) / "test.sqlite3")
    }

# Lockouts are tested where they are meant to be; elsewhere logging in must always work.
AXES_ENABLED = False

# Tests assert on the English wording unless they switch language themselves; the product's
# default language (Korean) is exercised by the i18n tests.
LANGUAGE_CODE = "en"
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="sandbox-test-static-"))

# Letters: a demo sealing key per test run, and no pause between retries.
LETTER_DEMO_KEY_DIR = Path(tempfile.mkdtemp(prefix="sandbox-test-keys-"))
LETTER_RETRY_DELAY = 0.0

# The scheduler's tick signs audit checkpoints only where a test turns it on (so that the
# scheduler's own tests read just the sweep and the letters).
AUDIT_CHECKPOINT_INTERVAL = 0
# Letters print SITE_URL (a loopback address here): the tests run as a trial on one machine.
LETTER_LOOPBACK_OK = True
