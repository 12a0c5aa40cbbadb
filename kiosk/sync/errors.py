"""Sync messages and errors for people: keys into content/strings/<lang>/sync.toml (kiosk.messages).

Every problem the sync code reports (a bad frame, a rejected batch, a wrong receipt) is a
`SyncError` carrying a sync `Message`, whose key is written without the "sync." in front
("frame.crc"), so the CLI and the screens can show it in the kiosk's language: `exc.text("nl")`.
`str(exc)` is the English text.
"""

from __future__ import annotations

from kiosk import messages
from kiosk.messages import MessageError


class Message(messages.Message):
    """A sync message: `Message("frame.crc")` is the text of "sync.frame.crc"."""

    PREFIX = "sync."


class SyncError(MessageError, ValueError):
    """A frame, batch or receipt that cannot be used; nothing was imported or changed."""

    MESSAGE = Message

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
