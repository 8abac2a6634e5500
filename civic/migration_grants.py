"""What the data migrations that let staff groups manage models in the Wagtail admin share: granting (and
revoking) a model's add/change/delete/view permissions to named groups, on the migration's historical
models."""

from collections.abc import Callable, Iterable
from typing import Any

ACTIONS = ("add", "change", "delete", "view")

MigrationFunction = Callable[[Any, Any], None]


def model_permissions(
    *, app_label: str, models: Iterable[str], groups: Iterable[str]
) -> tuple[MigrationFunction, MigrationFunction]:
    """The `(grant, revoke)` pair for `migrations.RunPython`: `groups` (made if missing) get every action on
    `models` of `app_label`, and lose them when the migration is reversed."""
    models, groups = list(models), list(groups)

    def grant(apps: Any, schema_editor: Any) -> None:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        ContentType = apps.get_model("contenttypes", "ContentType")
        permissions = []
        for model in models:
            content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
            verbose_name = apps.get_model(app_label, model)._meta.verbose_name
            for action in ACTIONS:
                permission, _ = Permission.objects.get_or_create(
                    content_type=content_type,
                    codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {verbose_name}"},
                )
                permissions.append(permission)
        for name in groups:
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.add(*permissions)

    def revoke(apps: Any, schema_editor: Any) -> None:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        permissions = Permission.objects.filter(
            content_type__app_label=app_label, content_type__model__in=models
        )
        for group in Group.objects.filter(name__in=groups):
            group.permissions.remove(*permissions)

    return grant, revoke
