# The triage board's order as a stored column with its index, and the automatic acknowledgement in Japanese
# and English (issue #6).

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_line_conversation"),
    ]

    operations = [
        migrations.RenameField(model_name="category", old_name="auto_reply", new_name="auto_reply_ja"),
        migrations.AlterField(
            model_name="category",
            name="auto_reply_ja",
            field=models.TextField(
                blank=True,
                help_text=(
                    "Sent to the reporter (by LINE or e-mail) when a report is received; {reference} is "
                    "replaced. Leave both empty to send none."
                ),
                verbose_name="automatic acknowledgement (Japanese)",
            ),
        ),
        migrations.AddField(
            model_name="category",
            name="auto_reply_en",
            field=models.TextField(
                blank=True,
                help_text=(
                    "For reporters who use LINE in English; the Japanese text is sent when this is empty."
                ),
                verbose_name="automatic acknowledgement (English)",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="priority_rank",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(priority="urgent", then=models.Value(4)),
                    models.When(priority="high", then=models.Value(3)),
                    models.When(priority="normal", then=models.Value(2)),
                    default=models.Value(1),
                ),
                output_field=models.SmallIntegerField(),
                verbose_name="priority rank",
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                django.db.models.expressions.F("municipality"),
                django.db.models.expressions.F("status"),
                django.db.models.expressions.OrderBy(
                    django.db.models.expressions.F("priority_rank"), descending=True
                ),
                django.db.models.expressions.OrderBy(
                    django.db.models.expressions.F("created_at"), descending=True
                ),
                django.db.models.expressions.OrderBy(django.db.models.expressions.F("id"), descending=True),
                name="report_board_order",
            ),
        ),
    ]
