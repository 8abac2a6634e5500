"""The public map of reports: the page at /reports/ (filters, a server-rendered list beside the map) and its
vector tiles at /reports/tiles/{z}/{x}/{y}.pbf, which take the same filters as query parameters, served by a
lean handler of their own (TileHandler)."""

import logging
import re
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, time, timedelta
from typing import IO, Any, cast

from asgiref.sync import sync_to_async
from django import forms
from django.core import signals
from django.core.exceptions import DisallowedHost, RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from civic.models import Municipality
from civic.tenancy import municipality_for_host, municipality_known_for_host
from reports import tile_db
from reports.map_selectors import public_report_tile, public_reports_matching, run_reads
from reports.models import Area, Category, Report
from reports.tiles import TileError, TileFilter, check_tile
from reports.views import map_context, municipality_of

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
TILE_MAX_AGE = 60
OPEN = "open"
FILTERS = ("category", "status", "area", "since", "until")
FINISHED = "finished"  # not "closed": that is one of the statuses
TILE_PATH_PREFIX = "/reports/tiles/"
TILE_PATH = re.compile(r"/reports/tiles/(\d{1,2})/(\d{1,7})/(\d{1,7})\.pbf")  # as reports.urls has it
# What tiles keep of the site's middleware (settings.MIDDLEWARE): security headers, Content-Length and the
# frame policy. None of these has view, template or exception hooks; TileHandler relies on that.
TILE_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)

ASGIApp = Callable[..., Awaitable[None]]


def status_groups() -> dict[str, tuple[str, ...]]:
    """What the status filter accepts: open, finished (everything not open), or one status."""
    groups: dict[str, tuple[str, ...]] = {
        OPEN: tuple(Report.OPEN_STATUSES),
        FINISHED: tuple(s for s in Report.Status.values if s not in Report.OPEN_STATUSES),
    }
    groups.update({status: (status,) for status in Report.Status.values})
    return groups


class MapFilterForm(forms.Form):
    """The map's filters; a field left empty does not filter. Unknown values are errors (400 for tiles)."""

    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    since = forms.DateField(
        label=gettext_lazy("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data: Any, *, municipality: Municipality) -> None:
        super().__init__(data)
        self.municipality = municipality
        self.categories = {
            c.code: c
            for c in Category.objects.filter(municipality=municipality).order_by("sort_order", "code")
        }
        self.areas = {
            a.code: a
            for a in Area.objects.filter(municipality=municipality).only(
                "id", "code", "name_ja", "name_en", "municipality_id"
            )
        }
        everything = ("", _("All"))
        category_field: Any = self.fields["category"]
        category_field.choices = [everything, *((code, c.name) for code, c in self.categories.items())]
        status_field: Any = self.fields["status"]
        status_field.choices = [
            everything,
            (OPEN, _("Open (not yet fixed)")),
            (FINISHED, _("Finished (resolved, closed or passed on)")),
            *Report.Status.choices,
        ]
        area_field: Any = self.fields["area"]
        area_field.choices = [everything, *((code, a.name) for code, a in self.areas.items())]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date must not be before the start date."))
        return cleaned

    def tile_filter(self) -> TileFilter:
        """The filter of a valid form, dates taken as whole days in the town's time zone."""
        data = self.cleaned_data
        zone = zoneinfo.ZoneInfo(self.municipality.timezone or "Asia/Tokyo")
        category = self.categories.get(data.get("category") or "")
        area = self.areas.get(data.get("area") or "")
        since = data.get("since")
        until = data.get("until")
        return TileFilter(
            municipality_id=self.municipality.pk,
            category_ids=(category.pk,) if category else (),
            statuses=status_groups().get(data.get("status") or "", ()),
            area_id=area.pk if area else None,
            since=datetime.combine(since, time.min, tzinfo=zone) if since else None,
            until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None,
        )


@require_GET
def report_map(request: HttpRequest) -> HttpResponse:
    """The map with its filters and, always beside it, the paginated list of the same reports."""
    municipality = municipality_of(request)
    form = MapFilterForm(request.GET, municipality=municipality)
    status = 200
    if form.is_valid():
        reports = public_reports_matching(municipality=municipality, tile_filter=form.tile_filter())
    else:
        reports = Report.objects.none()
        status = 400
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/map.html",
        {
            "form": form,
            "reports_page": page,
            "query": query.urlencode(),
            "map": map_context(request, municipality),
            "js_strings": js_strings(),
        },
        status=status,
    )


def js_strings() -> dict[str, str]:
    return {
        "noTiles": _(
            "The background map is not available. Reports are shown on a blank background; "
            "the list beside the map shows them too."
        ),
        "loading": _("Loading reports on the map…"),
        "shown": _("%(count)s reports in this part of the map."),
        "none": _("No reports in this part of the map."),
        "cluster": _("%(count)s reports here. Press Enter to zoom in."),
        "report": _("Report %(reference)s: %(category)s, %(status)s"),
        "failed": _("The reports could not be loaded on the map. The list beside the map still works."),
    }


@require_GET
def report_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """One vector tile (layer `reports`: clusters with `count`; single reports with reference, status,
    category). Impossible z/x/y or unknown filter values are a 400. Browsers keep tiles for a minute, then
    revalidate with the ETag; a tile of the whole town's map is read already rendered, any other is built
    or kept per process (see reports.map_selectors.public_report_tile)."""
    try:
        check_tile(z, x, y)
    except TileError as refused:
        return JsonResponse({"errors": {"__all__": [str(refused)]}}, status=400)
    municipality = tile_municipality(request)
    if any(request.GET.get(name) for name in FILTERS):
        # TileHandler skips the site's language middleware: the errors follow the visitor's language here.
        with translation.override(translation.get_language_from_request(request)):
            form = MapFilterForm(request.GET, municipality=municipality)
            if not form.is_valid():
                invalid = JsonResponse({"errors": form.errors.get_json_data()}, status=400)
                patch_vary_headers(invalid, ("Accept-Language", "Cookie"))
                return invalid
        tile_filter = form.tile_filter()
    else:  # the common case, without the form's two queries for its choices
        tile_filter = TileFilter(municipality_id=municipality.pk)
    reads = public_report_tile(
        tile_filter=tile_filter, z=z, x=x, y=y, asked=request.headers.get("If-None-Match")
    )
    return tile_response(*run_reads(reads))


def tile_response(body: bytes | None, etag: str) -> HttpResponse:
    """A tile (None: the browser's copy is current) with its caching headers."""
    response = (
        HttpResponseNotModified()
        if body is None
        else HttpResponse(body, content_type="application/vnd.mapbox-vector-tile")
    )
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={TILE_MAX_AGE}"
    response["Vary"] = "Host"
    return response


def tile_municipality(request: HttpRequest) -> Municipality:
    """The request's town, remembered per host for a minute: a map asks for dozens of tiles at once, and the
    two tenancy queries would otherwise cost more than a tile from the grid."""
    municipality = municipality_for_host(request.get_host(), request.get_port())
    if municipality is None:
        raise Http404
    return municipality


class TileHandler(ASGIHandler):
    """Civic's HTTP entry point (civic.asgi): tile URLs are served here, every other request goes to `site`,
    Django's handler with the whole middleware stack.

    A map asks for dozens of tiles at once and a tile from the grid is a millisecond or two of SQL, so the
    fixed cost of a request matters. The common tile (no filters, a town whose host was seen in the last
    minute, a possible z/x/y, nothing for the middleware to redirect) is answered in the event loop: Django's
    request, the TILE_MIDDLEWARE hooks, the view's reads on the tiles' own asynchronous connections
    (reports.tile_db) and its response. Everything else, and anything that goes wrong there, takes the
    ordinary path: Django's own handler (URL resolving, the view, error responses and logging, the request
    signals that close or pool database connections) with TILE_MIDDLEWARE only, in one trip to a pooled
    worker thread, where Django's ASGI handler with the whole stack would start a thread per request and
    cross between it and the event loop five times."""

    def __init__(self, site: ASGIApp) -> None:
        self.site = site
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        hooks: list[Any] = []  # none of TILE_MIDDLEWARE has view, template or exception hooks
        self._view_middleware = self._template_response_middleware = self._exception_middleware = hooks
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        middleware: list[Any] = []
        for path in reversed(TILE_MIDDLEWARE):
            middleware.insert(0, import_string(path)(handler))
            handler = convert_exception_to_response(middleware[0])
        self._middleware_chain = handler
        self.request_hooks = [m.process_request for m in middleware if hasattr(m, "process_request")]
        self.response_hooks = [
            m.process_response for m in reversed(middleware) if hasattr(m, "process_response")
        ]

    async def __call__(self, scope: Mapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(TILE_PATH_PREFIX):
            await self.site(scope, receive, send)
            return
        try:
            body = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        response = await self.respond_in_loop(scope, body)
        if response is None:
            response = await sync_to_async(self.respond, thread_sensitive=False)(scope, body)
        await self.send_response(response, send)

    async def respond_in_loop(self, scope: Mapping[str, Any], body: IO[bytes]) -> HttpResponseBase | None:
        """The common tile's response, or None for `respond` to answer."""
        found = TILE_PATH.fullmatch(scope["path"])
        if found is None or scope.get("query_string") or scope["method"] not in ("GET", "HEAD"):
            return None
        request, _refused = self.create_request(scope, body)
        if request is None:
            return None
        try:
            z, x, y = (int(part) for part in found.groups())
            check_tile(z, x, y)
            municipality = municipality_known_for_host(request.get_host(), request.get_port())
        except (TileError, DisallowedHost):
            return None
        if municipality is None:
            return None
        if any(hook(request) is not None for hook in self.request_hooks):  # a redirect, say
            return None
        reads = public_report_tile(
            tile_filter=TileFilter(municipality_id=municipality.pk),
            z=z,
            x=x,
            y=y,
            asked=request.headers.get("If-None-Match"),
        )
        try:
            response = tile_response(*await tile_db.run_reads(reads))
        except Exception:  # the database: the ordinary path answers, and reports it as it reports errors
            logger.warning("a map tile could not be read in the event loop", exc_info=True)
            return None
        for hook in self.response_hooks:
            response = hook(request, response)
        return response

    def respond(self, scope: Mapping[str, Any], body: IO[bytes]) -> HttpResponseBase:
        """The request's synchronous part, in one thread: the database connection is taken and given back
        (closed, or to the pool) by the request signals, as after every Django request."""
        try:
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, refused = self.create_request(scope, body)  # refused: undecodable, or too large
            response = self.get_response(request) if request is not None else cast(HttpResponseBase, refused)
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # read by close()
            response.close()  # sends request_finished; the body is in memory already
            return response
        finally:
            body.close()
