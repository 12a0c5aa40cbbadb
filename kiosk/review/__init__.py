"""Supervisor review, UI-free: the review queue index, supervisor actions with an audit log,
aggregate-only insights and the team-meeting report. Never imports textual."""
