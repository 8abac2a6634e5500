"""The public map's pre-aggregated grid (issue #4): counts of public reports per tile grid cell, zoom, status
and category, kept by reports.map_grid, so low-zoom tiles sum a few hundred rows instead of a million."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from civic.models import Municipality


class MapGridCell(models.Model):
    """One grid cell's public reports of one status and category (see reports.tiles for the cell math).

    `sum_u` and `sum_v` add up the reports' map positions, so a cluster sits at their mean; a count can
    drop to 0 until the next rebuild removes the row."""

    pk = models.CompositePrimaryKey("municipality", "zoom", "cell_x", "cell_y", "status", "category_id")
    # The primary key (municipality first) serves lookups by town.
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_index=False)
    zoom = models.SmallIntegerField()
    cell_x = models.IntegerField()
    cell_y = models.IntegerField()
    status = models.CharField(max_length=20)
    category_id = models.BigIntegerField()  # no foreign key: a category is never deleted while it has reports
    count = models.IntegerField()
    sum_u = models.FloatField()
    sum_v = models.FloatField()

    class Meta:
        verbose_name = _("map grid cell")
        verbose_name_plural = _("map grid cells")


class MapGridState(models.Model):
    """A town's map data version: goes up with every change of the grid, so tiles carry it as their ETag."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("map data version")
        verbose_name_plural = _("map data versions")
