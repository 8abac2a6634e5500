"""Django merges every app's translations into one catalogue, the first app's winning for a message they
share: so a message that two apps translate differently shows one of them everywhere. Every message shared
by apps has one Japanese translation; a word that means different things (a report's title, 件名; a
consultation's, タイトル) carries a context (pgettext) instead."""

import gettext
from collections import defaultdict
from pathlib import Path

from django.conf import settings

APPS = ("civic", "cms", "reports", "consultations")


def test_a_message_shared_by_apps_has_one_japanese_translation():
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for app in APPS:
        compiled = Path(settings.BASE_DIR) / app / "locale" / "ja" / "LC_MESSAGES" / "django.mo"
        with compiled.open("rb") as catalogue:
            for msgid, msgstr in gettext.GNUTranslations(catalogue)._catalog.items():
                if isinstance(msgid, str) and msgid and msgstr:
                    translations[msgid][app] = msgstr
    differing = {msgid: by_app for msgid, by_app in translations.items() if len(set(by_app.values())) > 1}
    assert differing == {}
