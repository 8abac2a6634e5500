"""Background jobs run only after commit, and a failed job is retried and visible to admins."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from civic.jobs import enqueue_on_commit
from tests.civic import jobs_for_tests

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())


def test_a_job_enqueued_in_a_transaction_waits_for_commit():
    with transaction.atomic():
        enqueue_on_commit(jobs_for_tests.record, "committed")
        assert not DBTaskResult.objects.exists()
    assert DBTaskResult.objects.count() == 1
    run_worker()
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(jobs_for_tests.record, "rolled back")
        raise RuntimeError("roll back")
    assert not DBTaskResult.objects.exists()


def test_a_failing_job_is_retried_later_and_listed_for_admins(client, django_user_model):
    jobs_for_tests.always_fails.enqueue("boom")
    run_worker()
    first, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert first.status == TaskResultStatus.FAILED
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert retry.run_after > first.finished_at

    admin = django_user_model.objects.create_superuser("boss", "boss@example.jp", "pw")
    client.force_login(admin)
    listing = client.get("/django-admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert listing.status_code == 200
    assert "always_fails" in listing.content.decode()


def test_the_last_attempt_is_not_retried():
    jobs_for_tests.always_fails.enqueue("boom", attempt=3)
    run_worker()
    assert DBTaskResult.objects.count() == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED
