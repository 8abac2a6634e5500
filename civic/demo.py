"""Demo data for the shared part: the fictional town of 桜川市 (placed in Gunma), its departments and staff.

`manage.py seed_demo` calls the `seed(context)` of every installed app's `demo` module in INSTALLED_APPS
order; this one runs first and puts the municipality on the context for the others.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from wagtail.models import Locale, Page, Site

from civic.models import Department, Municipality
from civic.roles import Role
from civic.services import staff_membership_set

CENTER = (139.0634, 36.3895)  # lng, lat
HALF_WIDTH, HALF_HEIGHT = 0.045, 0.035
DEPARTMENTS = [
    ("roads", "道路課", "Roads Division"),
    ("environment", "環境課", "Environment Division"),
    ("parks", "公園緑地課", "Parks Division"),
]


@dataclass
class DemoContext:
    password: str
    log: Callable[[str], None]
    municipality: Municipality | None = None
    users: dict[str, object] = field(default_factory=dict)

    def town(self) -> Municipality:
        assert self.municipality is not None, "civic.demo must run before the other apps' demo modules"
        return self.municipality


def town_boundary() -> MultiPolygon:
    lng, lat = CENTER
    west, east = lng - HALF_WIDTH, lng + HALF_WIDTH
    south, north = lat - HALF_HEIGHT, lat + HALF_HEIGHT
    ring = ((west, south), (east, south), (east + 0.01, lat), (east, north), (west, north), (west, south))
    return MultiPolygon(Polygon(ring, srid=4326), srid=4326)


def demo_site() -> Site:
    """The default Wagtail site, which serves every hostname not bound to another town."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        site = Site.objects.create(
            hostname="localhost", port=80, is_default_site=True, root_page=page_tree_root()
        )
    return site


def page_tree_root() -> Page:
    """Wagtail's root page; its migrations make one, but a flushed test database has none."""
    root = Page.get_first_root_node()
    if root is None:
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.add_root(title="Root", slug="root", locale=Locale.get_default())
    return root


def seed(context: DemoContext) -> None:
    for language_code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=language_code)
    site = demo_site()
    municipality, created = Municipality.objects.get_or_create(
        slug="sakuragawa",
        defaults={
            "site": site,
            "name_ja": "桜川市",
            "name_en": "Sakuragawa City",
            "center": Point(*CENTER, srid=4326),
            "default_zoom": 14,
            "boundary": town_boundary(),
            "contact_email": "info@sakuragawa.example.jp",
            "contact_phone": "027-000-0000",
            "contact_address": "〒371-0000 群馬県桜川市本町1-1",
        },
    )
    context.municipality = municipality
    context.log(f"municipality {municipality.name_ja} ({'created' if created else 'already there'})")

    departments = {}
    for code, name_ja, name_en in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            municipality=municipality, code=code, defaults={"name_ja": name_ja, "name_en": name_en}
        )

    users = get_user_model().objects
    admin, _ = users.get_or_create(username="admin", defaults={"email": "admin@sakuragawa.example.jp"})
    admin.is_superuser = admin.is_staff = True
    admin.set_password(context.password)
    admin.save()
    staff_membership_set(user=admin, municipality=municipality, role=Role.SITE_ADMIN)
    context.users["admin"] = admin
    people: list[tuple[str, Role, Department | None]] = [
        (code, Role.DEPARTMENT_STAFF, departments[code]) for code, _ja, _en in DEPARTMENTS
    ]
    people += [("supervisor", Role.SUPERVISOR, None), ("facilitator", Role.FACILITATOR, None)]
    for username, role, department in people:
        user, _ = users.get_or_create(
            username=username, defaults={"email": f"{username}@sakuragawa.example.jp"}
        )
        user.set_password(context.password)
        user.save()
        staff_membership_set(user=user, municipality=municipality, role=role, department=department)
        context.users[username] = user
    context.log(f"{len(departments)} departments and {len(context.users)} staff accounts")
