"""Lets facilitators and site administrators manage consultations (and their pages) in the Wagtail admin."""

from django.db import migrations

from civic.migration_grants import model_permissions

grant, revoke = model_permissions(
    app_label="consultations",
    models=["consultation", "consultationsession"],
    groups=["Civic facilitators", "Civic site administrators"],
)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("civic", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
