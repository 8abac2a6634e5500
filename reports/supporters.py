"""Who is supporting a report, as a keyed hash: one support per e-mail address or per browser; and the
signed links with which a supporter who asked to hear back by e-mail confirms the address, and stops."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from civic import ratelimit
from civic.errors import ServiceError
from reports.forms import normalise

COOKIE = "civic_supporter"
UNFOLLOW_SALT = "reports.unfollow"
FOLLOW_SALT = "reports.follow"
FOLLOW_CONFIRM_DAYS = 7  # a confirmation link works this long; the address is forgotten after it
CONFIRMATIONS_PER_HOUR = 5  # addresses one client may have us e-mail a link to, per town
COOKIE_SALT = "reports.supporter"
COOKIE_MAX_AGE = 365 * 24 * 3600


def _keyed(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:64]}"


def supporter_email(raw: object) -> str:
    """A supporter's e-mail address as given, normalised ("" for none); ServiceError, on the `email` field,
    for one that is not an address."""
    email = normalise(str(raw or ""))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            message = _("Enter an e-mail address like name@example.jp.")
            raise ServiceError(message, field_errors={"email": [message]}) from None
    return email


def key_for_email(email: str) -> str:
    return _keyed("email", email.strip().lower())


def key_for_line_user(user_id: str) -> str:
    return _keyed("line", user_id.strip())


def browser_token(request: HttpRequest) -> str | None:
    """The browser's signed supporter token, or None when it has none (or a forged one)."""
    try:
        value = request.get_signed_cookie(COOKIE, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return None
    return value or None


def key_for_browser(request: HttpRequest) -> tuple[str, str | None]:
    """The supporter key of this browser, and a new token to set as a cookie when it had none."""
    token = browser_token(request)
    new_token = None
    if token is None:
        token = new_token = secrets.token_urlsafe(24)
    return _keyed("browser", token), new_token


def remember_browser(response: HttpResponse, token: str | None) -> None:
    if token:
        response.set_signed_cookie(
            COOKIE,
            token,
            salt=COOKIE_SALT,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


def unfollow_token(report_id: int, follower_id: int) -> str:
    """A signed token for the 'stop these e-mails' link a following supporter gets (no row to store)."""
    return signing.dumps([report_id, follower_id], salt=UNFOLLOW_SALT, compress=True)


def unfollow_reads(token: str) -> tuple[int, int] | None:
    """The (report id, follower id) of an unfollow token, or None for a forged or mangled one."""
    try:
        report_id, follower_id = signing.loads(token, salt=UNFOLLOW_SALT)
        return int(report_id), int(follower_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def follow_token(support_id: int, email: str) -> str:
    """A signed token for the link that confirms `email` for a support's updates: it names the address it was
    sent to (as a keyed hash), so it confirms no other address asked for on the same support later."""
    return signing.dumps([support_id, key_for_email(email)[-16:]], salt=FOLLOW_SALT, compress=True)


def follow_reads(token: str) -> tuple[int, str] | None:
    """The (support id, address stamp) of a confirmation token still valid, or None for a forged, mangled or
    expired one."""
    try:
        support_id, stamp = signing.loads(token, salt=FOLLOW_SALT, max_age=FOLLOW_CONFIRM_DAYS * 24 * 3600)
        return int(support_id), str(stamp)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def follow_stamp_matches(stamp: str, email: str) -> bool:
    return bool(email) and hmac.compare_digest(stamp, key_for_email(email)[-16:])


def may_ask_to_confirm(request: HttpRequest, municipality_id: int) -> bool:
    """Whether this client may have us e-mail one more address a link to confirm (CONFIRMATIONS_PER_HOUR per
    town): nobody uses the town's mail to flood others."""
    return ratelimit.hit(
        f"support-confirm:{municipality_id}",
        ratelimit.client_ip(request),
        limit=CONFIRMATIONS_PER_HOUR,
        window=3600,
    ).allowed
