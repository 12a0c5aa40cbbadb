"""How fast QR frames are shown: the reading side measures, the showing side remembers.

The channel is one way (a screen to a reader); what goes back is what a person types or presses.
So the rate is set where the person is, with the facts at hand:

- The reading side (`ReadPace`) knows exactly how many frames it missed: protocol 3's frames
  carry their symbol id, and the kiosk shows ids one after another. From the last reads it
  works out the share of frames read and how long each frame was shown, and advises: "about 1
  code in 3 is read: press + at the kiosk" (slower), or "every code is read: press - at the
  kiosk" (faster) when frames stay a second or more and none is missed.
- The showing side starts at `[sync] frame_period` (1.5 s, safe for a hand scanner) and keeps
  what + and - chose, per side it shows to (the station, or at the station each kiosk), in the
  store (`sync.frame_period`), so the next batch starts at the rate that worked.
"""

from __future__ import annotations

from collections import deque

from kiosk.config import Config
from kiosk.store import Store
from kiosk.sync.errors import Message

PERIODS = "sync.frame_period"  # store meta: target ("station" or a kiosk id) -> seconds
STATION = "station"  # the target of a kiosk's entries
MIN_PERIOD, MAX_PERIOD = 0.2, 30.0


def shown_period(store: Store, config: Config, target: str) -> float:
    """Seconds a frame stays on screen for `target`: the last choice kept, else the config's."""
    value = store.get_meta(PERIODS, {}).get(target)
    if isinstance(value, (int, float)) and MIN_PERIOD <= value <= MAX_PERIOD:
        return float(value)
    return config.frame_period


def keep_period(store: Store, target: str, period: float) -> None:
    """Remember the period chosen (+ or -) for `target`."""
    with store.lock:
        periods = store.get_meta(PERIODS, {})
        if periods.get(target) != period:
            store.set_meta(PERIODS, {**periods, target: period})


def step_period(period: float, factor: float) -> float:
    """The period after + (factor 1.5) or - (factor 0.667), within bounds, to 0.1 s."""
    return round(min(MAX_PERIOD, max(MIN_PERIOD, period * factor)), 1)


class ReadPace:
    """The share of frames read, from the symbol ids of the last reads of one batch.

    `note(key, esi, at)` for each new protocol 3 frame read (`key`: its batch and size, `at`:
    seconds of a monotonic clock). Ids going back (the kiosk started again, was paged back, or
    another batch) start the count again."""

    WINDOW = 12  # reads looked at
    FEWEST = 6  # reads before any advice
    SLOW_SHARE = 0.5  # fewer read than this: advise slower
    FAST_SHARE = 0.9  # at least this many read ...
    FAST_PERIOD = 1.0  # ... while each frame stays this long: advise faster

    def __init__(self) -> None:
        self.key: object = None
        self.reads: deque[tuple[int, float]] = deque(maxlen=self.WINDOW)

    def note(self, key: object, esi: int, at: float) -> None:
        if key != self.key or (self.reads and esi <= self.reads[-1][0]):
            self.key = key
            self.reads.clear()
        self.reads.append((esi, at))

    def _span(self) -> tuple[int, float] | None:
        if len(self.reads) < self.FEWEST:
            return None
        (first, start), (last, end) = self.reads[0], self.reads[-1]
        return last - first, end - start

    def share(self) -> float | None:
        """Frames read / frames shown over the last reads; None before FEWEST reads."""
        span = self._span()
        return None if span is None else (len(self.reads) - 1) / span[0]

    def period(self) -> float | None:
        """Seconds each frame was shown, as measured here; None before FEWEST reads."""
        span = self._span()
        return None if span is None else span[1] / span[0]

    def advice(self) -> Message | None:
        """What to press at the kiosk, if anything."""
        share, period = self.share(), self.period()
        if share is None or period is None:
            return None
        if share < self.SLOW_SHARE:
            return Message("pace.slower", {"every": max(2, round(1 / share))})
        if share >= self.FAST_SHARE and period >= self.FAST_PERIOD:
            return Message("pace.faster", {"seconds": f"{period:.1f}"})
        return None
