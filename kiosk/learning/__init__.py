"""The learning loop beyond one entry: lessons shared with every station (lessons.py), reply
codes for anonymous writers (reply_codes.py) and a worker's own learning record (my_learning.py,
record_files.py, record_qr.py). No Textual here: the screens in kiosk/ui/ are adapters."""
