"""Verification codes of letters: the unguessable second key of the public check page.

A letter number alone (``ICT-2026-00042-L1``) is sequential and easy to guess, so the public
page shows nothing for it; the code printed on the letter (and encoded in its QR link), or the
PDF itself, is what opens the letter's details. Codes are 12 characters of Crockford's base32
(60 random bits), printed in groups of four; reading them back forgives case, spaces, dashes
and the letters people confuse with digits (O for 0, I and L for 1).
"""

from __future__ import annotations

import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 12
GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh random code, grouped for printing: ``7KQ2-M9XD-4HTR``."""
    bits = secrets.randbits(5 * LENGTH)  # one draw, five bits a character (32 = 2 ** 5)
    return grouped("".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH)))


def grouped(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalised(typed: str) -> str | None:
    """The code as stored, from what a person typed or a QR link carried; None when it cannot
    be a code (wrong length or characters), so it is refused without a lookup."""
    raw = "".join(ch for ch in (typed or "").upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return grouped(raw)


def matches(typed: str, stored: str) -> bool:
    """Whether a typed code is the stored one (constant-time; an empty stored code never
    matches)."""
    code = normalised(typed)
    return bool(stored) and code is not None and hmac.compare_digest(code, stored)
