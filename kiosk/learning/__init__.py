"""The learning loop beyond one entry: the follow-up of a planned try (followup.py), the weekly
pulse (pulse.py), their records in the data folder (records.py) and the team figures of both,
with small groups held back (figures.py); lessons shared with every station (lessons.py), reply
codes for anonymous writers (reply_codes.py) and a worker's own learning record (my_learning.py,
record_files.py, record_qr.py). No Textual here: the screens in kiosk/ui/ are adapters."""
