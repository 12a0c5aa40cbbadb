"""What the coach offered during one entry and what the worker did with each suggestion.

The list only grows: a new round of suggestions appends what was not offered before (the same
kind and text, whatever the case and spaces), so a suggestion the worker used or dismissed never
comes back and the ones still open keep their places. Each suggestion has one verdict, set once:
accepted, edited or dismissed. The category the coach suggests is kept here too; it is accepted
when the entry is saved with that category, else dismissed, and recorded once either way.

    offers = Offers()
    new = offers.add(result.items, result.category_suggestion)   # indices of the new ones
    offers.decide(i, "accepted")                                  # False when already decided
    offers.open()                                                 # [(index, Offer)] still open
    offers.records(category="maintenance")                        # for Entry.suggestions
    target_field("question", last_field="learned")                # the box a suggestion goes in
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.coach.suggest import Suggested
from kiosk.entries import REFLECTION_FIELDS, EntryError, Suggestion

NO_CATEGORY = "other"  # a guess of "other" suggests nothing


@dataclass
class Offer:
    s: Suggested
    verdict: str | None = None  # accepted | edited | dismissed
    final: str | None = None  # the worker's version, when edited


def _key(s: Suggested) -> tuple[str, str]:
    return s.kind, " ".join(s.text.casefold().split())


class Offers:
    def __init__(self, items: Iterable[Offer] = ()):
        self.items: list[Offer] = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Offer:
        return self.items[index]

    def add(self, suggestions: Iterable[Suggested]) -> list[int]:
        """Append the suggestions not offered before; the indices of those appended."""
        known = {_key(o.s) for o in self.items}
        added = []
        for s in suggestions:
            if s.kind == "category" and s.text == NO_CATEGORY or _key(s) in known:
                continue
            known.add(_key(s))
            self.items.append(Offer(s))
            added.append(len(self.items) - 1)
        return added

    def decide(self, index: int, verdict: str, final: str | None = None) -> bool:
        """Record the worker's verdict; False (and nothing changes) when it already has one."""
        offer = self.items[index]
        if offer.verdict is not None or offer.s.kind == "category":
            return False
        offer.verdict, offer.final = verdict, final if verdict == "edited" else None
        return True

    def open(self) -> list[tuple[int, Offer]]:
        """The suggestions still to decide on, in the order they were offered (no category)."""
        return [(i, o) for i, o in enumerate(self.items)
                if o.verdict is None and o.s.kind != "category"]

    def category(self) -> str | None:
        """The category the coach suggested last, or None."""
        found = [o.s.text for o in self.items if o.s.kind == "category"]
        return found[-1] if found else None

    def records(self, category: str) -> list[Suggestion]:
        """Every suggestion once, with its verdict, to store with an entry saved with
        `category` (a suggested category is accepted when the entry has it)."""
        records = []
        for offer in self.items:
            verdict = offer.verdict
            if offer.s.kind == "category":
                verdict = "accepted" if offer.s.text == category else "dismissed"
            records.append(offer.s.to_entry(verdict, offer.final))
        return records

    def decided(self) -> list[dict[str, Any]]:
        """The suggestions used or dismissed, as records for the draft."""
        return [asdict(o.s.to_entry(o.verdict, o.final)) for o in self.items
                if o.verdict is not None]

    @classmethod
    def from_draft(cls, records: Any) -> "Offers":
        """The suggestions used or dismissed before a logout or restart, back from the draft
        (one that does not validate is left out)."""
        offers = cls()
        for record in records if isinstance(records, list) else []:
            try:
                suggestion = Suggestion(**record)
                suggestion.validate("decided")
            except (TypeError, EntryError):
                continue
            s = Suggested(suggestion.kind, suggestion.text, suggestion.source)
            if suggestion.verdict is not None and s.kind != "category" \
                    and _key(s) not in {_key(o.s) for o in offers.items}:
                offers.items.append(Offer(s, suggestion.verdict, suggestion.final_text))
        return offers


def target_field(kind: str, last_field: str) -> str | None:
    """The box a used suggestion goes into unless the worker picks another: an idea into "what I
    will try", a question into the part the worker was writing (after the bare description, that
    is "what I noticed"); None for a title, which is the entry's title."""
    if kind == "title":
        return None
    if kind == "idea":
        return "next_step"
    return last_field if last_field in REFLECTION_FIELDS[1:] else "noticed"


def step_field(field: str, delta: int) -> str:
    """The reflection box `delta` places from `field`, round the four."""
    index = REFLECTION_FIELDS.index(field) if field in REFLECTION_FIELDS else 0
    return REFLECTION_FIELDS[(index + delta) % len(REFLECTION_FIELDS)]
