"""Settings for the sweep and scheduler processes that tests start: the real settings, with each
email written to a file under ``SANDBOX_TEST_MAIL_DIR`` so that a test can count them."""

from __future__ import annotations

import os

from sandbox.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["SANDBOX_TEST_MAIL_DIR"]
