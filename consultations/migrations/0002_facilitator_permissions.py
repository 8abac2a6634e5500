"""Lets facilitators and site administrators manage consultations (and their pages) in the Wagtail admin."""

from django.db import migrations

GROUPS = ["Civic facilitators", "Civic site administrators"]
GRANTS = {
    "consultation": ["add", "change", "delete", "view"],
    "consultationsession": ["add", "change", "delete", "view"],
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        for model, actions in GRANTS.items():
            content_type, _ = ContentType.objects.get_or_create(app_label="consultations", model=model)
            for action in actions:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"},
                )
                group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="consultations", content_type__model__in=GRANTS)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0001_initial"),
        ("civic", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
