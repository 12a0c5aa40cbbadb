"""The learning loop beyond one entry: the follow-up of a planned try (followup.py), the weekly
pulse (pulse.py), their records in the data folder (records.py) and the team figures of both,
with small groups held back (figures.py). No Textual here: the screens are in kiosk/ui/screens/."""
