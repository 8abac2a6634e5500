"""The staff triage board: who may do what, the board's queries, its actions, admin views and dashboard."""
