"""Privacy retention: remove entries, drafts and backups older than [privacy].retention_days.

Which entries go: on a kiosk, entries that reached the supervisor station (sync state "synced")
and private entries (they never leave the device). Entries still waiting to be sent are kept
whatever their age, because they exist nowhere else; `kiosk doctor` warns about them. On the
supervisor station (mode "supervisor") every entry past the limit goes. An entry's age is the time
since its last change (`updated`, else `created`).

A running kiosk holds the store lock, so the app applies retention itself, once a day
(`retention_due`, `run_scheduled_retention`); the time of the last run is kept in the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from kiosk.config import Config
from kiosk.entries import Entry, parse_time
from kiosk.ops.backup import list_backups
from kiosk.store import Store

RETENTION_EVERY = 24 * 3600  # seconds between two runs in the running app
LAST_RUN_META = "retention_last_run"


@dataclass
class RetentionPlan:
    cutoff: datetime
    remove: list[str] = field(default_factory=list)
    kept_unsent: list[str] = field(default_factory=list)  # past the limit, but not yet sent

    @property
    def cutoff_iso(self) -> str:
        return self.cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cutoff_for(config: Config, now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    return now - timedelta(days=config.retention_days)


def last_change(entry: Entry) -> datetime:
    return parse_time(entry.updated or entry.created)


def may_remove(entry: Entry, mode: str) -> bool:
    """Whether an entry past the limit may go: it reached the station, or never leaves this one."""
    return mode == "supervisor" or entry.sync == "synced" or entry.visibility == "private"


def plan_retention(store: Store, config: Config, now: datetime | None = None) -> RetentionPlan:
    plan = RetentionPlan(cutoff=cutoff_for(config, now))
    for entry in store.entries():
        if last_change(entry) >= plan.cutoff:
            continue
        (plan.remove if may_remove(entry, config.mode) else plan.kept_unsent).append(entry.id)
    return plan


def apply_retention(store: Store, plan: RetentionPlan) -> tuple[int, int]:
    """Remove the planned entries and the drafts older than the cutoff: (entries, drafts).
    Lessons shared or received before the cutoff go too, the reply codes of entries no longer
    here, the follow-ups of removed entries and pulse answers of weeks before the cutoff
    (kiosk/learning/)."""
    from kiosk.learning import lessons, reply_codes
    from kiosk.learning.records import learning_records

    entries = store.remove_entries(plan.remove) if plan.remove else 0
    drafts = store.remove_drafts_saved_before(plan.cutoff_iso)
    lessons.remove_older_than(store, plan.cutoff_iso)
    reply_codes.forget_missing(store)
    year, week, _ = plan.cutoff.isocalendar()
    learning_records(store).prune(plan.remove, f"{year:04d}-W{week:02d}")
    return entries, drafts


def retention_due(store: Store, clock: Callable[[], float] = time.time) -> bool:
    """Whether a day has passed since the running app last applied retention (or it never did)."""
    return clock() - store.get_meta(LAST_RUN_META, 0) >= RETENTION_EVERY


def run_scheduled_retention(store: Store, config: Config,
                            clock: Callable[[], float] = time.time) -> tuple[int, int]:
    """Apply retention now, under the store lock, and note the time: (entries, drafts) removed."""
    with store.lock:
        removed = apply_retention(store, plan_retention(store, config))
        store.set_meta(LAST_RUN_META, clock())
    return removed


def expired_backups(backup_dir: Path, retention_days: int, today: date | None = None) -> list[Path]:
    """Backup archives (of any kiosk) older than the retention limit: they hold removed entries."""
    today = today or date.today()
    return [info.path for info in list_backups(backup_dir)
            if (today - info.day).days > retention_days]
