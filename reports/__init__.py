"""Reports of town problems: categories, areas, reports, photos, and the services every channel calls."""
