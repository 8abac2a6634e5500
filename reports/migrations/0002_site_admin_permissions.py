"""Lets site administrators manage report categories, areas and routing rules in the Wagtail admin."""

from django.db import migrations

from civic.migration_grants import model_permissions

grant, revoke = model_permissions(
    app_label="reports", models=["category", "area", "routingrule"], groups=["Civic site administrators"]
)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("civic", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
