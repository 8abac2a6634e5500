"""Resolving the municipality of a request from its Wagtail site, and which towns a staff member sees."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Site
from wagtail.models.sites import get_site_for_hostname

from civic.memo import Remembered
from civic.models import Municipality

# Towns by the host name and port they serve, per process, for a minute: every tile of a map and every socket
# of a town hall asks, and a town's host names rarely change.
_towns_by_host: Remembered[tuple[str, str], Municipality | None] = Remembered(60)


def municipality_for_request(request: HttpRequest) -> Municipality | None:
    """The municipality whose Wagtail site serves this request's hostname, or None for an unknown host."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    return Municipality.objects.filter(site=site).first()


def municipality_for_host(host: str, port: str) -> Municipality | None:
    """The municipality whose Wagtail site serves `host` (a Host header, validated) on `port`, as
    `municipality_for_request` finds it; remembered for a minute (see `_towns_by_host`)."""
    return _towns_by_host.get((host, port), lambda: _find_for_host(host, port))


def municipality_known_for_host(host: str, port: str) -> Municipality | None:
    """The town `municipality_for_host` remembers for `host` and `port`, without a query; None when it
    remembers none (or no town) just now."""
    return _towns_by_host.fresh((host, port))


def _find_for_host(host: str, port: str) -> Municipality | None:
    try:
        site = get_site_for_hostname(split_domain_port(host)[0], port)
    except Site.DoesNotExist:
        return None
    return Municipality.objects.filter(site=site).first()


def municipalities_for_user(user: User | AnonymousUser) -> QuerySet[Municipality]:
    """The municipalities a staff member works for; superusers work for all of them."""
    if not user.is_authenticated:
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(memberships__user=user)


def public_base_url(municipality: Municipality) -> str:
    """The base URL for links sent outside the site (LINE, e-mail, letters), without a trailing slash.

    The default site answers every hostname not bound to another town, so its canonical address is the
    configured CIVIC_BASE_URL; other towns' sites know their own hostname.
    """
    site = municipality.site
    if site.is_default_site:
        return str(settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return str(site.root_url).rstrip("/")
