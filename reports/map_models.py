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


class MapTile(models.Model):
    """One unfiltered vector tile of a town, kept rendered (reports.tile_store) so a visitor's map reads it in
    one small query: a row for every tile up to STORED_MAX_ZOOM that has held a public report. A change of a
    report on the map raises `stamp` and empties `tile` of the tiles it touches, in its own transaction; the
    tile is rendered again after it, by a background task or by the next request, whichever comes first."""

    pk = models.CompositePrimaryKey("municipality", "zoom", "x", "y")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_index=False)
    zoom = models.SmallIntegerField()
    x = models.IntegerField()
    y = models.IntegerField()
    stamp = models.BigIntegerField(db_default=1)  # raised by every change; a render stores only if unchanged
    tile = models.BinaryField(null=True)  # None: to be rendered
    digest = models.CharField(max_length=32, blank=True, db_default="")  # md5 of `tile`: the ETag
    categories = models.CharField(max_length=8, blank=True, db_default="")  # stamp of the codes it shows

    class Meta:
        verbose_name = _("rendered map tile")
        verbose_name_plural = _("rendered map tiles")
