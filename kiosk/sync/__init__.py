"""QR sync without a network: entries from kiosk to supervisor station, answers back.

    codec.py     frames (Base32 text with header and CRC; protocol 2 numbered, 3 fountain-coded),
                 sealing with the site key, strict reading of a file
    fountain.py  RaptorQ symbols of protocol 3 (the `raptorq` package), every input checked
    collect.py   the collector of scanned frames, and lenient reading of many lines at once
    outgoing.py  a sealed batch leaving a device, cut into frames for a QR size
    payload.py   compact JSON of entries and replies, DEFLATE with the preset dictionary
    zdict.py     that dictionary (part of the protocol)
    qr.py        QR matrix, terminal half-block cells, images, reading photos (zxing-cpp)
    exchange.py  export, merge on import, receipts, the return batch
    receipt.py   receipt codes;  errors.py  messages in the kiosk's language
The commands `kiosk export`, `kiosk import` and `kiosk receipt` are in kiosk/cli/sync.py.
Protocol description: docs/sync-protocol.md. Nothing here imports textual or argparse.
"""
