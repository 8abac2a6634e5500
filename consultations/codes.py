"""Invitation credentials: a 144-bit link token for QR codes and a 60-bit typed code, both stored only hashed.

Why two credentials: a QR code carries a long token effortlessly, but an elderly resident typing from a letter
needs something short. The typed code is 12 characters of Crockford's base32 (no I, L, O or U; O is read as 0
and I or L as 1, so a misread letter still works), which is 60 bits: with the guessing limits of the RSVP
views (a few attempts per address per quarter hour, and a cap for the whole site) an attacker guessing any of
a thousand live codes would need on the order of 10^14 years. Because 60 bits could be searched offline if
the database leaked, typed codes are hashed with HMAC-SHA-256 keyed by a key derived from SECRET_KEY (so
rotating SECRET_KEY invalidates typed codes that were not used yet; the link tokens, plain SHA-256, survive).
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
SHORT_CODE_LENGTH = 12
TOKEN_BYTES = 18  # 144 bits, 24 URL-safe characters
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def format_short_code(code: str) -> str:
    """ABCD-EFGH-JKMN: groups of four, as printed on letters."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_short_code(text: str) -> str | None:
    """The typed code in canonical form, or None if it cannot be one (wrong length or characters)."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\u3000\u30fc\uff0d").translate(_READ_AS)
    # Full-width letters and digits, common from Japanese input methods, become ASCII.
    cleaned = cleaned.translate({code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}).upper()
    cleaned = cleaned.translate(_READ_AS)
    if len(cleaned) != SHORT_CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def looks_like_token(text: str) -> bool:
    return 16 <= len(text) <= 64 and all(ch.isalnum() or ch in "-_" for ch in text) and text.isascii()


def token_hash(token: str) -> str:
    return hashlib.sha256(b"civic-invitation-token:" + token.encode()).hexdigest()


def short_code_hash(code: str) -> str:
    key = hashlib.sha256(b"civic-invitation-short-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()
