"""The public map's pre-aggregated grid (reports.map_models, kept by reports.map_grid), counted here once for
the reports that exist already; Open311 clients' own rate limits, managed by site administrators in the
admin."""

import django.db.models.deletion
from django.db import migrations, models

from civic.migration_grants import model_permissions

# reports.map_grid.REBUILD_SQL for every town, as it was when this migration was written.
COUNT_EXISTING_REPORTS = """
    WITH base AS (
        SELECT r.municipality_id, r.status, r.category_id,
               floor(p.u * 524288)::int AS cell_x, floor(p.v * 524288)::int AS cell_y,
               count(*) AS count, sum(p.u) AS sum_u, sum(p.v) AS sum_v
        FROM reports_report r
        CROSS JOIN LATERAL (
            SELECT (ST_X(r.point::geometry) + 180) / 360 AS u,
                   (0.5 - ln(tan(pi() / 4 + radians(ST_Y(r.point::geometry)) / 2)) / (2 * pi())) AS v
        ) p
        WHERE r.is_public AND r.point IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5
    )
    INSERT INTO reports_mapgridcell
        (municipality_id, zoom, cell_x, cell_y, status, category_id, count, sum_u, sum_v)
    SELECT b.municipality_id, z.zoom, b.cell_x >> (16 - z.zoom), b.cell_y >> (16 - z.zoom),
           b.status, b.category_id, sum(b.count), sum(b.sum_u), sum(b.sum_v)
    FROM base b CROSS JOIN generate_series(0, 16) AS z (zoom)
    GROUP BY 1, 2, 3, 4, 5, 6
"""


grant_open311_clients, revoke_open311_clients = model_permissions(
    app_label="reports", models=["open311client"], groups=["Civic site administrators"]
)


class Migration(migrations.Migration):
    dependencies = [
        ("civic", "0003_line"),
        ("reports", "0006_triage_board_order_and_auto_reply"),
    ]

    operations = [
        migrations.CreateModel(
            name="MapGridState",
            fields=[
                (
                    "municipality",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="civic.municipality",
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("rebuilt_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"verbose_name": "map data version", "verbose_name_plural": "map data versions"},
        ),
        migrations.CreateModel(
            name="MapGridCell",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "municipality",
                        "zoom",
                        "cell_x",
                        "cell_y",
                        "status",
                        "category_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("zoom", models.SmallIntegerField()),
                ("cell_x", models.IntegerField()),
                ("cell_y", models.IntegerField()),
                ("status", models.CharField(max_length=20)),
                ("category_id", models.BigIntegerField()),
                ("count", models.IntegerField()),
                ("sum_u", models.FloatField()),
                ("sum_v", models.FloatField()),
                (
                    "municipality",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="civic.municipality",
                    ),
                ),
            ],
            options={"verbose_name": "map grid cell", "verbose_name_plural": "map grid cells"},
        ),
        migrations.RunSQL(COUNT_EXISTING_REPORTS, migrations.RunSQL.noop),
        migrations.AddField(
            model_name="open311client",
            name="posts_per_hour",
            field=models.PositiveIntegerField(
                blank=True,
                help_text=(
                    "How many service requests this client may post in an hour. Empty: the site's default."
                ),
                null=True,
                verbose_name="requests per hour",
            ),
        ),
        migrations.RunPython(grant_open311_clients, revoke_open311_clients),
    ]
