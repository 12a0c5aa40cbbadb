"""Messages for people: a key into content/strings/<lang>/ plus the values to fill in.

Every error that people read (the store's, a review action's, an entry's, the sync's) is a
`MessageError` carrying a `Message`, so the CLI and the screens can show it in the reader's
language: `exc.text("nl")`, or `Strings(...).message(exc)` for any error. `str(exc)` is the
English text (logs, tests, the CLI without a configured language). A value may itself be a
message or such an error (or a list of them, joined with commas), so one text is built from parts
in the same language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from kiosk.i18n import DEFAULT_LANGUAGE, Strings


@dataclass(frozen=True)
class Message:
    key: str  # e.g. "errors.store.write"; a subclass may keep its keys under PREFIX
    values: Mapping[str, Any] = field(default_factory=dict)

    PREFIX: ClassVar[str] = ""  # "sync." for the sync messages (kiosk.sync.errors)

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        values = {name: text_of(value, language) for name, value in self.values.items()}
        return Strings(language)(self.PREFIX + self.key, **values)

    def __str__(self) -> str:
        return self.text()


class MessageError(Exception):
    """An error told in words for people: `MessageError(key, **values)`; `str()` is English."""

    MESSAGE: ClassVar[type[Message]] = Message  # the kind of message it carries

    def __init__(self, key: str, **values: Any):
        self.message = self.MESSAGE(key, values)
        super().__init__(self.message.text())

    @property
    def key(self) -> str:
        return self.message.key

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return self.message.text(language)


def text_of(value: Any, language: str) -> Any:
    """A message's (or such an error's) text in `language`, a list of them joined with commas;
    any other value as it is."""
    if isinstance(value, (Message, MessageError)):
        return value.text(language)
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(part, (Message, MessageError)) for part in value):
        return ", ".join(part.text(language) for part in value)
    return value
