"""Background jobs of consultations: each loads its object by id and calls a service."""

from civic.jobs import retried_task


@retried_task(max_attempts=2, backoff_seconds=30)
def run_roster_import(roster_import_id: int) -> str:
    from consultations.models import RosterImport
    from consultations.services.roster import roster_import_run

    done = roster_import_run(
        roster_import=RosterImport.objects.select_related("consultation").get(pk=roster_import_id)
    )
    return f"{done.status}: {done.accepted} accepted, {len(done.rejected)} rejected"


@retried_task(max_attempts=2, backoff_seconds=60)
def run_selection(run_id: int) -> str:
    from consultations.services.selection import selection_run

    run = selection_run(run_id=run_id)
    return f"{run.status}: {run.message}"


@retried_task(max_attempts=5, backoff_seconds=60)
def deliver_invitation(invitation_id: int, kind: str) -> str:
    from consultations.services.invitations import invitation_deliver

    return invitation_deliver(invitation_id=invitation_id, kind=kind)


@retried_task(max_attempts=2, backoff_seconds=10)
def refresh_opinion_groups(room_id: int) -> str:
    from consultations.live_models import LiveRoom
    from consultations.services.opinions import opinion_groups_refresh

    event = opinion_groups_refresh(room=LiveRoom.objects.get(pk=room_id))
    return f"logged as event {event.seq}" if event is not None else "unchanged"
