"""Lets site administrators manage report categories, areas and routing rules in the Wagtail admin."""

from django.db import migrations

GROUP = "Civic site administrators"
MODELS = ["category", "area", "routingrule"]
ACTIONS = ["add", "change", "delete", "view"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for model in MODELS:
        content_type, _ = ContentType.objects.get_or_create(app_label="reports", model=model)
        for action in ACTIONS:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model}",
                defaults={"name": f"Can {action} {model}"},
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="reports", content_type__model__in=MODELS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("civic", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
