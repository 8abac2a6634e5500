"""Consultations: rosters, lotteries, invitations, fair panels and live deliberation sessions."""
