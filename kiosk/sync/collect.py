"""Lenient reading of many frame lines at once (pasted text, scans, photos of QR codes).

Lines that are not frames are skipped; frames that look like ours but cannot be used, batches
that fail their checks and batches with parts missing each give one message.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.sync.codec import Batch, FrameCollector, ranges_text
from kiosk.sync.errors import Message


def collect_batches(lines: Iterable[str], site_key: str) -> tuple[list[Batch], list[Message]]:
    """The verified batches in `lines` (any order), and a message for each problem met."""
    collector = FrameCollector(site_key, max_batches=64)
    batches: list[Batch] = []
    problems: list[Message] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        result = collector.add(line)
        if result.batch is not None:
            batches.append(result.batch)
        elif result.status == "ignored" and line.strip().upper().startswith("KS"):
            problems.append(Message("frame.on_line", {"line": number, "problem": result.message}))
        elif result.status == "failed":
            problems.append(result.message)
    for label, missing, total in collector.incomplete():
        problems.append(Message("batch.named", {"label": label, "problem": Message(
            "batch.incomplete", {"missing": ranges_text(missing), "total": total,
                                 "parts": len(missing)})}))
    return batches, problems
