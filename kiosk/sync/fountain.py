"""Fountain coding of a sealed batch for protocol 3: RaptorQ (RFC 6330) symbols, and back.

A blob of L bytes is K = ceil(L / T) source symbols of T bytes; encoding symbol ids (ESI)
0..K-1 are the blob itself, K and up are repair symbols. Any K distinct symbols decode the
blob about 99 times in 100, K+1 about 9,999 in 10,000, whatever their order or ids (RaptorQ).
The `raptorq` package (Rust) does the coding. It panics on malformed input (a short packet, a
block number it does not have, a zero length), so every value is checked here before it gets
there; a caller can give this module anything and gets a ValueError at worst.
"""

from __future__ import annotations

import raptorq

MAX_SYMBOLS = 4096  # source symbols of one batch (as protocol 2's frame limit)
MAX_LENGTH = (1 << 24) - 1  # the length travels in 3 bytes
MAX_ESI = (1 << 16) - 1  # the symbol id travels in 2 bytes
SMALL_SYMBOL = 64  # the package keeps a symbol size up to 64; above, a multiple of 8


def usable_symbol_size(room: int) -> int:
    """The largest symbol size of at most `room` bytes that the encoder keeps as it is."""
    return room if room <= SMALL_SYMBOL else room - room % 8


def valid_symbol_size(size: int) -> bool:
    return 1 <= size and usable_symbol_size(size) == size


def source_count(length: int, size: int) -> int:
    """K: how many source symbols a blob of `length` bytes has at symbol size `size`."""
    return -(-length // size)


def check(length: int, size: int) -> int:
    """K for a blob of `length` bytes at symbol size `size`; ValueError if out of bounds."""
    if not 1 <= length <= MAX_LENGTH or not valid_symbol_size(size):
        raise ValueError(f"no fountain code for {length} bytes in symbols of {size}")
    count = source_count(length, size)
    if count > MAX_SYMBOLS:
        raise ValueError(f"{count} source symbols, more than {MAX_SYMBOLS}")
    return count


class SymbolEncoder:
    """The symbols of one blob: `symbols(esis)` gives each one's bytes (source or repair)."""

    def __init__(self, blob: bytes, size: int):
        self.length, self.size = len(blob), size
        self.count = check(len(blob), size)
        self._encoder = raptorq.Encoder.with_defaults(blob, size)

    def symbols(self, esis: list[int]) -> list[bytes]:
        if any(not 0 <= esi <= MAX_ESI for esi in esis):
            raise ValueError(f"symbol ids go from 0 to {MAX_ESI}")
        # The package makes the source packets and then the first n repair ones, in id order.
        packets = self._encoder.get_encoded_packets(max(0, max(esis, default=0) + 1 - self.count))
        result = []
        for esi in esis:
            packet = packets[esi]
            if packet[:4] != esi.to_bytes(4, "big") or len(packet) != 4 + self.size:
                raise RuntimeError("the raptorq package made an unexpected packet")
            result.append(packet[4:])
        return result


class SymbolDecoder:
    """Symbols of one blob as they come (any order); `add` returns the blob once it decodes.

    The RaptorQ decoder is made only when K distinct symbols are there, so a flood of
    partial batches costs just the symbols kept (which the caller bounds)."""

    def __init__(self, length: int, size: int):
        self.length, self.size = length, size
        self.count = check(length, size)
        self.symbols: dict[int, bytes] = {}
        self._decoder = None

    def add(self, esi: int, symbol: bytes) -> bytes | None:
        """Take a new symbol (ids already taken are the caller's to sort out: duplicate, or a
        conflict); the blob when the symbols so far decode it, else None."""
        if not 0 <= esi <= MAX_ESI or len(symbol) != self.size or esi in self.symbols:
            raise ValueError("not a new symbol of this blob")
        self.symbols[esi] = symbol
        if len(self.symbols) < self.count:
            return None
        if self._decoder is None:
            self._decoder = raptorq.Decoder.with_defaults(self.length, self.size)
            for known, data in self.symbols.items():
                result = self._decoder.decode(_packet(known, data))
                if result is not None:
                    return result
            return None
        return self._decoder.decode(_packet(esi, symbol))


def _packet(esi: int, symbol: bytes) -> bytes:
    return esi.to_bytes(4, "big") + symbol  # source block 0 (there is one), then the id
