"""Site search over the live pages of the request's site, in the active language."""

import re

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from wagtail.models import Locale, Page, Site
from wagtail.search.models import IndexEntry

MAX_RESULTS = 50
# Japanese is written without spaces, so PostgreSQL's full-text parser sees a whole phrase as one word;
# such queries also match as substrings of the indexed text.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results: list[Page] = []
    site = Site.find_for_request(request)
    if query and site is not None:
        pages = Page.objects.live().public().descendant_of(site.root_page.localized, inclusive=True)
        pages = pages.filter(locale=Locale.get_active())
        results = list(pages.search(query)[:MAX_RESULTS])
        if CJK.search(query) and len(results) < MAX_RESULTS:
            matching = IndexEntry.objects.filter(
                Q(title_text__icontains=query) | Q(body_text__icontains=query)
            )
            ids = {int(object_id) for object_id in matching.values_list("object_id", flat=True)}
            found = {page.pk for page in results}
            results += list(pages.filter(pk__in=ids - found).order_by("title")[: MAX_RESULTS - len(results)])
    return render(request, "cms/search.html", {"query": query, "results": results})
