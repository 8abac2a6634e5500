"""Verifying the X-Line-Signature of a webhook body with the line-bot-sdk's validator."""

from linebot.v3 import WebhookParser


def signature_is_valid(channel_secret: str, body: bytes, signature: str) -> bool:
    """HMAC-SHA256 of the raw body with the channel secret, compared in constant time by the SDK."""
    if not signature:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(WebhookParser(channel_secret).signature_validator.validate(text, signature))
