"""kiosk: a shop-floor learning kiosk (Textual app, on-device coach, QR sync)."""

__version__ = "0.1.0"
