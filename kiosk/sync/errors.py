"""Sync messages for people: a key into content/strings/<lang>/sync.toml plus values.

Every problem the sync code reports (a bad frame, a rejected batch, a wrong receipt) is a
`SyncError` carrying a `Message`, so the CLI and the screens can show it in the kiosk's language:
`exc.text("nl")`. `str(exc)` is the English text. A value may itself be a message (or a list of
messages, joined with commas), so one text can be built from parts in the same language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.i18n import Strings


@dataclass(frozen=True)
class Message:
    key: str  # under "sync.", e.g. "frame.crc"
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        values = {name: _text(value, language) for name, value in self.values.items()}
        return Strings(language)(f"sync.{self.key}", **values)


def _text(value: Any, language: str) -> Any:
    if isinstance(value, (Message, SyncError)):
        return value.text(language)
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(part, (Message, SyncError)) for part in value):
        return ", ".join(part.text(language) for part in value)
    return value


class SyncError(ValueError):
    """A frame, batch or receipt that cannot be used; nothing was imported or changed."""

    def __init__(self, key: str, **values: Any):
        self.message = Message(key, values)
        super().__init__(self.message.text("en"))

    @property
    def key(self) -> str:
        return self.message.key

    def text(self, language: str = "en") -> str:
        return self.message.text(language)

    @property
    def reason(self) -> "SyncError":
        """The innermost problem: "line 3: ..." and "batch X: ..." wrap another error."""
        inner = self.message.values.get("problem")
        return inner.reason if isinstance(inner, SyncError) else self


class FrameError(SyncError):
    """One frame is unreadable: not ours, damaged, mistyped, or from another protocol version."""


class BatchError(SyncError):
    """A complete batch failed its checks: foreign site key, tampered, incomplete, bad content."""


class PayloadError(BatchError):
    """The signed content of a batch is not what this protocol version writes."""


class ReceiptError(SyncError):
    """A receipt code that does not match any batch waiting for one."""
