"""Tasks used by the job tests (tasks must live at module level to be importable by the worker)."""

from django_tasks import task

from civic.jobs import retried_task

SEEN: list[str] = []


@task()
def record(value: str) -> str:
    SEEN.append(value)
    return value


@retried_task(max_attempts=3, backoff_seconds=60)
def always_fails(value: str) -> None:
    raise RuntimeError(value)
