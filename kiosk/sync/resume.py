"""Going on with a batch whose showing was interrupted, instead of starting over.

A batch sent and waiting for its receipt (store meta `sync.sent`, at the station
`sync.return_sent`) is made again as it was (same id, same frames) while its entries are still
to send unchanged, also when newer entries are waiting too: they go in the next batch. The
record also keeps, per frame size, the number of the next frame to show (`shown`), so the QR
screen goes on after the last frame it showed (saved when a block of frames is drawn and when
the screen is left). A station that kept the frames it read (kiosk/sync/partials.py) then needs
only the frames it still lacks: about K minus what it has, not K again.

Receipts decide what is done: entries whose receipt was entered are never sent again; entries
sent but without a receipt are sent again, in the same batch while it can be made again.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kiosk.store import Store

SHOWN = "shown"  # in a waiting batch's record: str(max_chars) -> next frame number


def candidates(waiting: dict[str, dict[str, Any]], versions: dict[str, str],
               to: str | None = None, limit: int | None = None
               ) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """(label, record, its entry ids) of the waiting batches that can be made again from
    `versions` (entry id -> its stamp now), best first: the one with exactly these entries,
    then (unless `limit` is 0: a file holds every entry to send) the newest one begun on
    screen whose entries are all still to send, unchanged, and at most `limit` (None: any)."""
    ordered = sorted(waiting.items(), key=lambda item: item[1]["at"], reverse=True)
    ordered = [(label, record) for label, record in ordered if record.get("to") == to]
    for label, record in ordered:
        if record["entries"] == versions:
            yield label, record, list(versions)
    if limit == 0:
        return
    for label, record in ordered:
        held = record["entries"]
        if held == versions or not record.get(SHOWN) or (limit and len(held) > limit):
            continue
        if all(versions.get(entry_id) == stamp for entry_id, stamp in held.items()):
            yield label, record, [i for i in versions if i in held]


def shown_from(store: Store, key: str, label: str, max_chars: int) -> int:
    """The frame to show first of batch `label` (meta `key`) cut for `max_chars`: after the
    last one shown, or 0."""
    record = store.get_meta(key, {}).get(label, {})
    number = record.get(SHOWN, {}).get(str(max_chars), 0)
    return number if isinstance(number, int) and number >= 0 else 0


def note_shown(store: Store, key: str, label: str, max_chars: int, number: int) -> None:
    """Frames before `number` of batch `label` cut for `max_chars` were shown (or drawn): the
    next showing begins there. Never goes back."""
    with store.lock:
        waiting = store.get_meta(key, {})
        record = waiting.get(label)
        if record is None:  # receipted meanwhile
            return
        shown = dict(record.get(SHOWN, {}))
        if shown.get(str(max_chars), 0) >= number:
            return
        shown[str(max_chars)] = number
        waiting[label] = {**record, SHOWN: shown}
        store.set_meta(key, waiting)
