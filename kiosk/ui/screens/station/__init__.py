"""The supervisor station's screens: PIN login, the review queue, one entry (seen, answer, idea
status), insights and the team-meeting report. The queue index loads in a thread worker after
first paint; every store action runs through kiosk.review.actions, which also writes the audit
log."""
