"""Receipt codes: 8 typeable characters that prove a batch arrived, e.g. `K7QD-M2XA`.

The code is an HMAC with the site key over the batch type, id and payload digest, so only a
device of the site that really holds the batch can produce it, and it fits exactly one batch.
It uses the Base32 alphabet (no 0, 1, 8 or 9, which look like O, I, B and g; typed anyway,
they are read as those letters), is read case-insensitively, and dashes and spaces are ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from kiosk.sync.errors import ReceiptError

RECEIPT_CHARS = 8
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_LOOKALIKES = str.maketrans("0189", "OIBG")  # digits a code never has, typed for letters


def receipt_code(site_key: str, batch_type: str, batch_id: int, digest: str) -> str:
    message = f"kiosk-sync receipt|{batch_type}|{batch_id}|{digest}".encode()
    mac = hmac.new(site_key.encode("utf-8"), message, hashlib.sha256).digest()
    code = base64.b32encode(mac[:5]).decode()
    return f"{code[:4]}-{code[4:]}"


def normalise_receipt(text: str) -> str:
    """`k7qd m2xa` -> `K7QD-M2XA`; ReceiptError if it cannot be a receipt code."""
    compact = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(compact) != RECEIPT_CHARS or not set(compact) <= _ALPHABET:
        raise ReceiptError("receipt.malformed", chars=RECEIPT_CHARS)
    return f"{compact[:4]}-{compact[4:]}"


def same_receipt(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
