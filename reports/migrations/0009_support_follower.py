"""Supporters who ask to hear back (ReportSupport.follower); LINE supporters' keys, which held the LINE user
id itself, become keyed hashes like the others'."""

import hashlib
import hmac
import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PLAIN_LINE_KEY = re.compile(r"^line:(U[0-9a-f]{32})$")


def hash_line_keys(apps, schema_editor):
    """reports.supporters.key_for_line_user, as it was when this migration was written."""
    ReportSupport = apps.get_model("reports", "ReportSupport")
    for support in ReportSupport.objects.filter(supporter_key__regex=PLAIN_LINE_KEY.pattern):
        user_id = PLAIN_LINE_KEY.match(support.supporter_key).group(1)
        message = f"line:{user_id}".encode()
        digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
        support.supporter_key = f"line:{digest[:64]}"
        support.save(update_fields=["supporter_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0008_pending_upload"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportsupport",
            name="follower",
            field=models.ForeignKey(
                blank=True,
                help_text="Set when the supporter asked to hear about the report's progress.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="reports.reporter",
                verbose_name="hears back by",
            ),
        ),
        migrations.RunPython(hash_line_keys, migrations.RunPython.noop),
    ]
