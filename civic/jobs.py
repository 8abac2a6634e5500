"""Background jobs on the django-tasks API: enqueue after commit, and retry failures with a growing delay.

A task made with `retried_task` that raises is recorded as failed (visible in the admin's background jobs
list) and enqueued again, `run_after` a delay that doubles each attempt, until `max_attempts` is reached.
"""

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger(__name__)


def enqueue_on_commit(job: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> None:
    """Enqueue `job` when the current transaction commits (at once outside one); never on rollback."""
    transaction.on_commit(lambda: job.enqueue(*args, **kwargs))


def retried_task(
    *, max_attempts: int = 5, backoff_seconds: float = 30, priority: int = 0, queue_name: str = "default"
) -> Callable[[Callable[..., T]], Task[..., T]]:
    """Like `@task()`, plus retries: the wrapped function gets an extra keyword-only `attempt` counter."""

    def decorate(func: Callable[..., T]) -> Task[..., T]:
        @functools.wraps(func)
        def run(*args: Any, attempt: int = 1, **kwargs: Any) -> T:
            try:
                return func(*args, **kwargs)
            except Exception:
                if attempt >= max_attempts:
                    logger.exception("%s failed for good after %d attempts", func.__name__, attempt)
                    raise
                delay = timedelta(seconds=backoff_seconds * 2 ** (attempt - 1))
                logger.warning("%s failed (attempt %d); retrying in %s", func.__name__, attempt, delay)
                job.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1, **kwargs)
                raise

        job: Task[..., T] = task(priority=priority, queue_name=queue_name)(run)
        return job

    return decorate
