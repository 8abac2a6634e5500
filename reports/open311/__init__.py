"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) at /open311/v2/: categories are services,
reports are service requests (their id is the report's public reference)."""
