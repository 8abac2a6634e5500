"""The data migrations' shared permission grant: groups get every action on the models, and lose them
again."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from civic.migration_grants import model_permissions

pytestmark = pytest.mark.django_db


def codenames(group_name: str) -> set[str]:
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


def test_grant_gives_each_group_every_action_and_revoke_takes_only_those_back() -> None:
    grant, revoke = model_permissions(
        app_label="reports", models=["category", "area"], groups=["Reviewers", "Civic supervisors"]
    )
    before = codenames("Civic supervisors")
    grant(apps, None)
    grant(apps, None)  # a second run changes nothing

    wanted = {
        f"{action}_{model}"
        for action in ("add", "change", "delete", "view")
        for model in ("category", "area")
    }
    assert codenames("Reviewers") == wanted
    assert codenames("Civic supervisors") == before | wanted

    revoke(apps, None)
    assert codenames("Reviewers") == set()
    assert codenames("Civic supervisors") == before
