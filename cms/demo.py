"""Demo pages for the demo town: home, news, FAQ and an About page, in Japanese with English translations."""

import datetime
from typing import Any

from wagtail.models import Locale, Page

from civic.demo import DemoContext, demo_site
from cms.models import FAQPage, HomePage, NewsIndexPage, NewsPage, StandardPage

HOME = {
    "ja": {
        "title": "桜川市 市民参加ポータル",
        "hero_title": "まちの困りごとを、スマホから市へ。",
        "hero_text": "道路の穴、切れた街灯、不法投棄。写真と地図で報告すると、"
        "担当課が対応し、進み具合をお知らせします。",
    },
    "en": {
        "title": "Sakuragawa City participation portal",
        "hero_title": "Tell the city about a problem, right from your phone.",
        "hero_text": "Potholes, broken street lights, illegal dumping: report with a photo and a map pin, "
        "and the responsible division will fix it and keep you posted.",
    },
}
NEWS = [
    (
        "road-repair-week",
        datetime.date(2026, 11, 2),
        ("道路補修強化週間のお知らせ", "Road repair week"),
        ("11月は市内の道路補修を強化します。", "In November the city steps up road repairs."),
    ),
    (
        "line-reports",
        datetime.date(2026, 10, 15),
        ("LINEから通報できるようになりました", "Report problems from LINE"),
        (
            "市の公式LINEアカウントから写真と位置で通報できます。",
            "Send a photo and location to our LINE account.",
        ),
    ),
    (
        "citizens-panel",
        datetime.date(2026, 9, 20),
        ("市民パネルの参加者を無作為抽出で選びます", "Citizens' panel drawn by lot"),
        (
            "公共交通の将来について、無作為に選ばれた市民が話し合います。",
            "A random panel will discuss public transport.",
        ),
    ),
]
FAQ = {
    "ja": [
        ("報告は匿名でできますか？", "はい。連絡先は任意です。連絡先を入れると対応状況をお知らせします。"),
        ("緊急の場合は？", "事故や火災など緊急の場合は110番・119番に通報してください。"),
        (
            "報告した内容は公開されますか？",
            "場所・種類・写真（個人が写らないよう処理）は公開されます。氏名や連絡先は公開されません。",
        ),
    ],
    "en": [
        (
            "Can I report anonymously?",
            "Yes. Contact details are optional; give them to hear back about progress.",
        ),
        ("What about emergencies?", "For accidents, fires or other emergencies call 110 or 119."),
        (
            "Is my report public?",
            "The place, category and photos are public; your name and contact details never are.",
        ),
    ],
}


def body_text(text: str) -> list[tuple[str, Any]]:
    return [("paragraph", f"<p>{text}</p>")]


def publish_translation(page: Page, en: Locale, **fields: Any) -> None:
    """Create (once) and publish the English translation of `page` with `fields`."""
    if page.get_translations().filter(locale=en).exists():
        return
    translation = page.copy_for_translation(en, copy_parents=True).specific
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()


def seed(context: DemoContext) -> None:
    ja = Locale.objects.get(language_code="ja")
    en = Locale.objects.get(language_code="en")
    site = demo_site()
    home = HomePage.objects.filter(locale=ja).first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(slug="sakuragawa", locale=ja, **HOME["ja"])
        root.add_child(instance=home)
        home.save_revision().publish()
        old_root = site.root_page
        site.root_page = home
        site.site_name = "桜川市"
        site.save()
        if old_root.depth == 2 and old_root.specific_class is Page:
            old_root.delete()  # Wagtail's "Welcome to your new Wagtail site!" placeholder
    publish_translation(home, en, **HOME["en"])

    news_index = NewsIndexPage.objects.filter(locale=ja).first()
    if news_index is None:
        news_index = NewsIndexPage(title="お知らせ", slug="news", locale=ja)
        home.add_child(instance=news_index)
        news_index.save_revision().publish()
    publish_translation(news_index, en, title="News")
    for slug, date, (title_ja, title_en), (text_ja, text_en) in NEWS:
        article = NewsPage.objects.filter(locale=ja, slug=slug).first()
        if article is None:
            article = NewsPage(title=title_ja, slug=slug, date=date, summary=text_ja, body=body_text(text_ja))
            news_index.add_child(instance=article)
            article.save_revision().publish()
        publish_translation(article, en, title=title_en, summary=text_en, body=body_text(text_en))

    faq = FAQPage.objects.filter(locale=ja).first()
    if faq is None:
        faq = FAQPage(title="よくある質問", slug="faq", questions=faq_blocks("ja"))
        home.add_child(instance=faq)
        faq.save_revision().publish()
    publish_translation(faq, en, title="Frequently asked questions", questions=faq_blocks("en"))

    about = StandardPage.objects.filter(locale=ja, slug="about").first()
    if about is None:
        about = StandardPage(
            title="このサイトについて",
            slug="about",
            introduction="桜川市が運営する、市民参加と通報のためのサイトです。",
            body=body_text("通報、市民パネル、オンライン対話会に参加できます。"),
        )
        home.add_child(instance=about)
        about.save_revision().publish()
    publish_translation(
        about,
        en,
        title="About this site",
        introduction="Sakuragawa City's site for reporting problems and taking part.",
        body=body_text("Report problems, join a citizens' panel and take part in online town halls."),
    )
    context.log(
        f"pages: {Page.objects.type(HomePage, NewsPage, FAQPage, StandardPage).count()} in 2 languages"
    )


def faq_blocks(language: str) -> list[tuple[str, dict[str, str]]]:
    return [("question", {"question": q, "answer": f"<p>{a}</p>"}) for q, a in FAQ[language]]
