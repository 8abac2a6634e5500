"""Page types a municipality needs on day one, and its site settings (branding, map tiles, social links)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.blocks import BodyBlock, FAQBlock


class HomePage(Page):
    hero_title = models.CharField(_("hero title"), max_length=200)
    hero_text = models.TextField(_("hero text"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hero image"),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hero_title"), FieldPanel("hero_text"), FieldPanel("hero_image")], heading=_("Hero")
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("hero_text"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def latest_news(self) -> models.QuerySet["NewsPage"]:
        return NewsPage.objects.live().public().descendant_of(self).order_by("-date", "-pk")[:3]


class StandardPage(Page):
    introduction = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("introduction"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class NewsIndexPage(Page):
    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]

    class Meta:
        verbose_name = _("news index")

    def news(self) -> models.QuerySet["NewsPage"]:
        return NewsPage.objects.live().public().child_of(self).order_by("-date", "-pk")


class NewsPage(Page):
    date = models.DateField(_("date"))
    summary = models.TextField(_("summary"), max_length=400, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news article")


class FAQPage(Page):
    introduction = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    questions = StreamField(
        blocks.StreamBlock([("question", FAQBlock())]), verbose_name=_("questions and answers")
    )

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("questions")]
    search_fields = [*Page.search_fields, index.SearchField("introduction"), index.SearchField("questions")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("FAQ page")


class SiteBranding(BaseSiteSetting):
    logo = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logo"),
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#0b5cab",
        help_text=_("A dark colour: white text on it must stay readable (contrast 4.5:1 or more)."),
    )
    map_tiles_url = models.CharField(
        _("map tiles URL"),
        max_length=300,
        blank=True,
        help_text=_(
            "For example https://tile.openstreetmap.jp/{z}/{x}/{y}.png; maps still work without tiles."
        ),
    )
    map_attribution = models.CharField(_("map attribution"), max_length=300, blank=True)
    x_url = models.URLField(_("X (Twitter)"), blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    line_url = models.URLField(_("LINE official account"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("primary_colour")], heading=_("Branding")),
        MultiFieldPanel([FieldPanel("map_tiles_url"), FieldPanel("map_attribution")], heading=_("Maps")),
        MultiFieldPanel(
            [
                FieldPanel("x_url"),
                FieldPanel("facebook_url"),
                FieldPanel("line_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Social links"),
        ),
    ]

    class Meta:
        verbose_name = _("site branding")

    def social_links(self) -> list[tuple[str, str]]:
        links = [("X", self.x_url), ("Facebook", self.facebook_url), ("LINE", self.line_url)]
        links.append(("YouTube", self.youtube_url))
        return [(label, url) for label, url in links if url]


register_setting(icon="site")(SiteBranding)
