"""Moving entries between a kiosk and the supervisor station, and answers back, with receipts.

Kiosk:    `export_entries` -> frames; later `apply_receipt(code)` marks that batch synced.
Station:  `import_batch` merges a batch (idempotent) and gives its receipt code;
          `export_replies` builds the return batch of answers and idea status for one kiosk.
Kiosk:    `import_batch` of a return batch merges the answers and gives a receipt code, which
          typed at the station (`apply_receipt`) marks those answers delivered.

Merge rule at the station, per entry id (the worker owns the text, the station owns status,
reason and answers; `sync` and `seen` are local to each device):
  - new id: stored.
  - same worker-owned content: nothing changes (a re-export, or the same batch again).
  - same kiosk, creation time and author, and a later `updated` than the station's copy:
    a later edit by the worker; the text is replaced, the station's status and answers kept.
  - anything else (another kiosk or author, an older or equally old edit): a conflict. The
    station's copy stays, the incoming version is recorded with the reason (once), and the
    supervisor decides. Nothing is overwritten silently.
Private entries never leave the kiosk; a batch that contains one is refused. Entry batches are
only imported where `kiosk.mode` is "supervisor".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from kiosk.config import Config
from kiosk.entries import Entry, now_iso, parse_time
from kiosk.store import Store
from kiosk.sync import resume, return_lessons
from kiosk.sync.codec import (TYPE_ENTRIES, TYPE_RETURN, Batch, batch_label, digest, new_batch_id,
                              seal)
from kiosk.sync.errors import BatchError, PayloadError, ReceiptError
from kiosk.sync.learning_batch import (apply_learning_receipt, learning_to_send, merge_learning,
                                       note_exported, unpack_learning)
from kiosk.sync.outgoing import OutgoingBatch
from kiosk.sync.payload import (MAX_PAYLOAD_BYTES, Reply, compress, pack_entries, pack_replies,
                                unpack_entries, unpack_replies)
from kiosk.sync.receipt import normalise_receipt, receipt_code, same_receipt
from kiosk.sync.reports import ImportReport, ReceiptReport

SENT = "sync.sent"  # kiosk: entry batches waiting for a receipt
RECEIPTED = "sync.receipted"  # both: receipt codes already applied (label -> code)
IMPORTED = "sync.imported"  # both: batches imported here (label -> summary with receipt)
RETURN_SENT = "sync.return_sent"  # station: return batches waiting for a receipt
DELIVERED = "sync.delivered"  # station: entry id -> fingerprint of the replies a kiosk has
RETURN_NEWEST = "sync.return_newest"  # kiosk: creation time of the newest return batch imported
KEEP_SENT, KEEP_IMPORTED, KEEP_RECEIPTED = 10, 500, 100

STATION_FIELDS = ("status", "status_reason", "responses")
LOCAL_FIELDS = ("sync", "seen", "updated")
IDENTITY_FIELDS = ("kiosk_id", "created", "author")


# -- kiosk: export --------------------------------------------------------------------------------
def entries_to_send(store: Store) -> list[Entry]:
    """Every entry that may leave the kiosk and has no receipt yet, oldest first."""
    return [e for e in store.entries() if e.visibility != "private" and e.sync != "synced"]


def export_entries(store: Store, config: Config, *, max_entries: int | None = None,
                   go_on: bool = False) -> OutgoingBatch | None:
    """Seal the entries to send (oldest first, at most `max_entries`) and remember the batch,
    with the follow-up and pulse answers not yet received (kiosk/sync/learning_batch.py);
    with `go_on` (the QR screen), a batch begun on screen with some of them, made again.

    Nothing is deleted. Entries stay unsynced until the receipt code of this (or a later)
    batch is entered; "pending" ones become "exported". None when there is nothing to send.
    The same entries, unchanged, give the same batch again (same id, content, receipt code).
    """
    entries = entries_to_send(store)[:max_entries]
    learning = learning_to_send(store)
    if not entries and not learning:
        return None
    made = now_iso()
    header = {"t": TYPE_ENTRIES, "f": config.kiosk_id, "m": made, **learning.keys()}
    packed = pack_entries(entries, header)
    while len(packed) > MAX_PAYLOAD_BYTES and len(entries) > 1:  # the rest goes next time
        entries = entries[:len(entries) // 2]
        packed = pack_entries(entries, header)
    ids = [e.id for e in entries]
    versions = {e.id: e.updated for e in entries}
    again = _sent_before(config, TYPE_ENTRIES, store.get_meta(SENT, {}), versions,
                         lambda m, keep: compress(pack_entries(
                             [e for e in entries if e.id in keep], {**header, "m": m})),
                         limit=max_entries if go_on else 0)
    if again is not None:
        return again
    payload = compress(packed)
    outgoing = _outgoing(config, TYPE_ENTRIES, _fresh_batch_id(store), payload, ids, made)
    with store.lock:
        sent = store.get_meta(SENT, {})
        sent[outgoing.label] = {"id": outgoing.batch_id, "at": made, "digest": outgoing.digest,
                                "entries": versions, "learning": learning.versions()}
        store.set_meta(SENT, _newest(sent, KEEP_SENT))
        store.set_sync([e.id for e in entries if e.sync == "pending"], "exported")
        note_exported(store, learning)
    return outgoing


def _outgoing(config: Config, batch_type: str, batch_id: int, payload: bytes, ids: list[str],
              made: str, to: str | None = None) -> OutgoingBatch:
    return OutgoingBatch(batch_type, batch_id, seal(payload, config.site_key, batch_type, batch_id),
                         digest(payload), ids, made, to)


def _sent_before(config: Config, batch_type: str, waiting: dict[str, dict[str, Any]], versions:
                 dict[str, str], payload_made: Any, to: str | None = None,
                 limit: int | None = None):
    """The batch sent earlier, still waiting for its receipt, with just these entries in these
    versions, or (`limit` not 0) one begun on screen with at most `limit` of them
    (kiosk/sync/resume.py), sealed again as it was (`payload_made(made, ids)` packs those
    entries); else None."""
    for _, record, ids in resume.candidates(waiting, versions, to, limit):
        payload = payload_made(record["at"], set(ids))
        if digest(payload) == record["digest"]:
            return _outgoing(config, batch_type, record["id"], payload, ids, record["at"], to)
    return None


def _fresh_batch_id(store: Store) -> int:
    used = {*store.get_meta(SENT, {}), *store.get_meta(RETURN_SENT, {})}
    while True:
        batch_id = new_batch_id()
        if batch_label(batch_id) not in used:
            return batch_id


def _newest(records: dict[str, dict[str, Any]], keep: int) -> dict[str, dict[str, Any]]:
    ordered = sorted(records.items(), key=lambda item: item[1].get("at", ""))
    return dict(ordered[-keep:])


# -- both: import ---------------------------------------------------------------------------------
def import_batch(store: Store, config: Config, batch: Batch) -> ImportReport:
    """Merge a verified batch: entries at the station, answers at the kiosk. Idempotent."""
    if batch.batch_type == TYPE_ENTRIES:
        return _import_entries(store, config, batch)
    return _import_replies(store, config, batch)


def _import_entries(store: Store, config: Config, batch: Batch) -> ImportReport:
    if config.mode != "supervisor":  # a kiosk would show other kiosks' entries on the floor
        raise BatchError("batch.not_station")
    entries = unpack_entries(batch.document)
    followups, pulses = unpack_learning(batch.document)
    if any(e.visibility == "private" for e in entries):
        raise BatchError("batch.private")
    report = _report(store, config, batch)
    to_save: list[Entry] = []
    agreed: list[Entry] = []  # entries that are now the same here and at the kiosk
    with store.lock:
        for incoming in entries:
            stored = store.get(incoming.id)
            if stored is None:
                to_save.append(replace(incoming, sync="synced"))
                report.added += 1
            elif _content(stored) == _content(incoming):
                report.unchanged += 1
                agreed.append(incoming)
                continue
            elif _later_edit(stored, incoming):
                to_save.append(replace(incoming, sync="synced", seen=stored.seen,
                                       **{name: getattr(stored, name) for name in STATION_FIELDS}))
                report.updated += 1
            else:
                report.conflicts += _record_conflict(store, stored, incoming)
                continue
            agreed.append(incoming)
            report.changed_ids.append(incoming.id)
        store.save_many(to_save)
        report.followups, report.pulses = merge_learning(store, followups, pulses)
        _note_kiosk_has(store, agreed)
        _remember_import(store, batch, report)
    return report


def _note_kiosk_has(store: Store, entries: list[Entry]) -> None:
    """The kiosk that sent these entries has their answers as sent: no need to return them."""
    delivered = store.get_meta(DELIVERED, {})
    known = {e.id: fingerprint(Reply.of(e)) for e in entries}
    news = {i: f for i, f in known.items() if delivered.get(i, _NOTHING_YET) != f}
    if news:
        store.set_meta(DELIVERED, {**delivered, **news})


def _content(entry: Entry) -> dict[str, Any]:
    """The worker-owned part of an entry: what must match for "the same entry"."""
    data = entry.to_dict()
    for name in (*STATION_FIELDS, *LOCAL_FIELDS):
        data.pop(name)
    return data


def _stamp(entry: Entry) -> float:
    return parse_time(entry.updated or entry.created).timestamp()


def _later_edit(stored: Entry, incoming: Entry) -> bool:
    same_origin = all(getattr(stored, n) == getattr(incoming, n) for n in IDENTITY_FIELDS)
    return same_origin and _stamp(incoming) > _stamp(stored)


def _record_conflict(store: Store, stored: Entry, incoming: Entry) -> int:
    """Keep the incoming version beside the station's copy, once. Returns 1 (a conflict)."""
    data = incoming.to_dict()
    data.pop("sync")
    if any({k: v for k, v in c["entry"].items() if k != "sync"} == data
           for c in store.conflicts_for(incoming.id)):
        return 1
    differs = [n for n in IDENTITY_FIELDS if getattr(stored, n) != getattr(incoming, n)]
    if differs:
        reason = (f"same id, different origin ({', '.join(differs)} differ): "
                  f"the station's copy is kept")
    else:
        reason = (f"edit not later than the station's copy (incoming updated "
                  f"{incoming.updated}, station {stored.updated}): the station's copy is kept")
    store.add_conflict(data, reason)
    return 1


def _report(store: Store, config: Config, batch: Batch) -> ImportReport:
    sender = batch.document.get("f")
    return ImportReport(batch.batch_type, batch.label,
                        sender if isinstance(sender, str) else "?",
                        receipt_code(config.site_key, batch.batch_type, batch.batch_id,
                                     batch.digest),
                        again=batch.label in store.get_meta(IMPORTED, {}))


def _remember_import(store: Store, batch: Batch, report: ImportReport) -> None:
    imported = store.get_meta(IMPORTED, {})
    if batch.label in imported:
        return  # the same batch again: change nothing
    imported[batch.label] = {"at": now_iso(), "type": batch.batch_type, "from": report.sender,
                             "made": batch.document.get("m"), "receipt": report.receipt,
                             "added": report.added, "updated": report.updated,
                             "conflicts": report.conflicts}
    store.set_meta(IMPORTED, _newest(imported, KEEP_IMPORTED))


# -- kiosk: import the return batch ---------------------------------------------------------------
def _import_replies(store: Store, config: Config, batch: Batch) -> ImportReport:
    target, made = batch.document.get("to"), batch.document.get("m")
    if target != config.kiosk_id:
        raise BatchError("batch.wrong_kiosk", to=target, here=config.kiosk_id)
    if not isinstance(made, str):
        raise PayloadError("payload.detail", detail="no creation time")
    replies = unpack_replies(batch.document)
    lessons = return_lessons.unpack(batch.document)  # checked before anything is written
    report = _report(store, config, batch)
    newest = store.get_meta(RETURN_NEWEST)
    if not report.again and newest and made < newest:
        raise BatchError("batch.older_return", made=made, newest=newest)
    changed: list[Entry] = []
    with store.lock:
        for reply in replies:
            entry = store.get(reply.id)
            if entry is None:
                report.skipped += 1
            elif Reply.of(entry) == reply:
                report.unchanged += 1
            else:
                changed.append(replace(entry, status=reply.status,
                                       status_reason=reply.status_reason,
                                       responses=list(reply.responses)))
                report.updated += 1
                report.changed_ids.append(entry.id)
        store.save_many(changed)
        if not report.again:  # (the lessons of a batch imported before are here or were removed)
            report.lessons = return_lessons.apply(store, lessons)
            _remember_import(store, batch, report)
            store.set_meta(RETURN_NEWEST, max(made, newest or ""))
    return report


# -- station: the return batch --------------------------------------------------------------------
def known_kiosks(store: Store) -> list[str]:
    return sorted({e.kiosk_id for e in store.entries()})


def resolve_kiosk(store: Store, kiosk_id: str | None) -> str:
    """`kiosk_id`, or the only kiosk this station has entries from (else BatchError)."""
    if kiosk_id is not None:
        return kiosk_id
    kiosks = known_kiosks(store)
    if len(kiosks) != 1:
        raise BatchError("batch.which_kiosk" if kiosks else "batch.no_kiosks",
                         kiosks=", ".join(kiosks))
    return kiosks[0]


def fingerprint(reply: Reply) -> str:
    data = [reply.status, reply.status_reason, [[r.at, r.by, r.text] for r in reply.responses]]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_NOTHING_YET = fingerprint(Reply("", "new", "", ()))


def replies_to_send(store: Store, kiosk_id: str) -> list[Reply]:
    """Answers and status of `kiosk_id`'s entries that the kiosk has not confirmed yet."""
    delivered = store.get_meta(DELIVERED, {})
    return [reply for reply in (Reply.of(e) for e in store.entries() if e.kiosk_id == kiosk_id)
            if fingerprint(reply) != delivered.get(reply.id, _NOTHING_YET)]


def export_replies(store: Store, config: Config, kiosk_id: str | None = None,
                   *, max_entries: int | None = None, go_on: bool = False
                   ) -> OutgoingBatch | None:
    """Seal the return batch for one kiosk; None when it has nothing new to receive. `go_on`:
    as for export_entries."""
    kiosk_id = resolve_kiosk(store, kiosk_id)
    replies = replies_to_send(store, kiosk_id)[:max_entries]
    lessons = return_lessons.for_kiosk(store, kiosk_id, max_entries)  # shared with every kiosk
    if not replies and not lessons.count:
        return None
    made = now_iso()
    header = {"t": TYPE_RETURN, "f": config.kiosk_id, "m": made, "to": kiosk_id,
              **lessons.header}
    ids = [r.id for r in replies]
    versions = {r.id: fingerprint(r) for r in replies}
    again = _sent_before(config, TYPE_RETURN, store.get_meta(RETURN_SENT, {}), versions,
                         lambda m, keep: compress(pack_replies(
                             [r for r in replies if r.id in keep], {**header, "m": m})),
                         kiosk_id, max_entries if go_on else 0)
    if again is not None:
        return replace(again, lessons=lessons.count)
    payload = compress(pack_replies(replies, header))
    outgoing = replace(_outgoing(config, TYPE_RETURN, _fresh_batch_id(store), payload, ids,
                                 made, kiosk_id), lessons=lessons.count)
    with store.lock:
        return_lessons.offered(store, kiosk_id, lessons)
        sent = store.get_meta(RETURN_SENT, {})
        sent[outgoing.label] = {"id": outgoing.batch_id, "at": made, "digest": outgoing.digest,
                                "to": kiosk_id, "entries": versions, "lessons": lessons.versions}
        store.set_meta(RETURN_SENT, _newest(sent, KEEP_SENT))
    return outgoing


# -- both: receipts -------------------------------------------------------------------------------
def apply_receipt(store: Store, config: Config, code: str) -> ReceiptReport:
    """A receipt code typed here: mark exactly the entries (or answers) of its batch."""
    code = normalise_receipt(code)
    with store.lock:
        for key, batch_type in ((SENT, TYPE_ENTRIES), (RETURN_SENT, TYPE_RETURN)):
            waiting = store.get_meta(key, {})
            for label, record in waiting.items():
                expected = receipt_code(config.site_key, batch_type, record["id"],
                                        record["digest"])
                if same_receipt(code, expected):
                    report = _apply(store, batch_type, label, record)
                    del waiting[label]
                    store.set_meta(key, waiting)
                    receipted = store.get_meta(RECEIPTED, {})
                    receipted[label] = {"at": now_iso(), "code": code, "type": batch_type}
                    store.set_meta(RECEIPTED, _newest(receipted, KEEP_RECEIPTED))
                    return report
        for label, record in store.get_meta(RECEIPTED, {}).items():
            if same_receipt(code, record["code"]):
                return ReceiptReport(record["type"], label, 0, again=True)
    raise ReceiptError("receipt.unknown", code=code)


def _apply(store: Store, batch_type: str, label: str, record: dict[str, Any]) -> ReceiptReport:
    if batch_type == TYPE_RETURN:
        delivered = store.get_meta(DELIVERED, {})
        delivered.update(record["entries"])
        store.set_meta(DELIVERED, delivered)
        return ReceiptReport(batch_type, label, len(record["entries"]),
                             lessons=return_lessons.delivered(store, record))
    ready, edited = [], 0
    for entry_id, updated in record["entries"].items():
        entry = store.get(entry_id)
        if entry is None or entry.sync == "synced":
            continue
        if entry.updated == updated:
            ready.append(entry_id)
        else:
            edited += 1
    marked = store.set_sync(ready, "synced")
    learned = apply_learning_receipt(store, record.get("learning"))
    return ReceiptReport(batch_type, label, marked, edited, learning=learned)


# -- overviews for screens and `kiosk sync status` ------------------------------------------------
def waiting_for_receipt(store: Store) -> list[dict[str, Any]]:
    """Batches sent from here whose receipt code has not been entered, newest first."""
    found = []
    for key, batch_type in ((SENT, TYPE_ENTRIES), (RETURN_SENT, TYPE_RETURN)):
        for label, record in store.get_meta(key, {}).items():
            found.append({"label": label, "type": batch_type, "at": record["at"],
                          "entries": len(record["entries"]), "to": record.get("to")})
    return sorted(found, key=lambda r: r["at"], reverse=True)


def imported_batches(store: Store) -> list[dict[str, Any]]:
    """Batches imported here with their receipt codes, newest first."""
    records = store.get_meta(IMPORTED, {})
    return sorted(({"label": label, **record} for label, record in records.items()),
                  key=lambda r: r["at"], reverse=True)
