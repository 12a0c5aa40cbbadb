"""What every kiosk screen shares: the header, the idle banner and the function-key bar."""

from __future__ import annotations

from typing import ClassVar

from textual.screen import Screen

from kiosk.ui.widgets.header import KioskHeader
from kiosk.ui.widgets.idle import IdleBanner
from kiosk.ui.widgets.keybar import Key, KeyBar


class KioskScreen(Screen):
    KEYS: ClassVar[list[Key]] = []

    def t(self, key: str, **values) -> str:
        return self.app.t(key, **values)

    def header(self) -> KioskHeader:
        app = self.app
        session = app.session
        user = ""
        if session is not None and session.role != "worker":
            user = session.name
        elif session is not None:
            user = (self.t("common.anonymous_user") if session.anonymous
                    else self.t("common.badge_user", hint=session.badge_hint))
        place = self.t("common.station_line", station=app.config.station, line=app.config.line)
        return KioskHeader(self.t("common.app_title"), place, user)

    def idle_banner(self) -> IdleBanner:
        return IdleBanner()

    def keybar(self) -> KeyBar:
        return KeyBar(self.KEYS, self.t)
