"""Lessons learned elsewhere in the kiosk's feed: a heading, one row a lesson (station and date,
never a name), and the lesson in full (kiosk/learning/lessons.py)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.widgets.option_list import Option

from kiosk.learning.lessons import Lesson
from kiosk.learning.record_files import show_day
from kiosk.ui.text import literal, one_line

LESSON_PREFIX = "lesson:"


def lesson_options(lessons: list[Lesson], t) -> list[Option | None]:
    """A separator, the heading "Learned elsewhere" and a row for each lesson."""
    rows: list[Option | None] = [None, Option(Text(t("learning.lessons.heading"), style="bold"),
                                              disabled=True)]
    rows += [Option(lesson_row(lesson, t), id=LESSON_PREFIX + lesson.id) for lesson in lessons]
    return rows


def lesson_row(lesson: Lesson, t) -> Text:
    text = Text()
    text.append(f"{show_day(lesson.day)}  ", style="dim")
    text.append_text(literal(one_line(lesson.station, 30), style="bold"))
    text.append(f" · {t('capture.category_values.' + lesson.category)}  ")
    text.append_text(literal(one_line(lesson.headline, 90)))
    if lesson.kind == "idea" and lesson.status in ("trying", "adopted"):
        text.append(f"  [{t('feed.status_values.' + lesson.status)}]", style="bold green")
    return text


def lesson_selected(screen, option_id: str | None) -> bool:
    """Open the lesson behind a feed row; False when the row is not a lesson."""
    if not option_id or not option_id.startswith(LESSON_PREFIX):
        return False
    lesson = next((x for x in screen.lessons if LESSON_PREFIX + x.id == option_id), None)
    if lesson is not None:
        screen.app.push_screen(LessonDetailScreen(lesson))
    return True


class LessonDetailScreen(ModalScreen[None]):
    """One lesson in full: where and when it was learned, what, and an idea's status."""

    BINDINGS = [Binding("escape,enter", "close", show=False, priority=True)]

    def __init__(self, lesson: Lesson):
        super().__init__()
        self.lesson = lesson

    def compose(self) -> ComposeResult:
        t, lesson = self.app.t, self.lesson
        with Vertical(id="lesson-box", classes="dialog"):
            yield Static(literal(one_line(lesson.headline, 100), style="bold"),
                         classes="dialog-title")
            about = [t("learning.lessons.from", station=lesson.station,
                       day=show_day(lesson.day)),
                     t("capture.category_values." + lesson.category),
                     t("capture.kind_values." + lesson.kind)]
            if lesson.kind == "idea" and lesson.status != "new":
                about.append(t(f"feed.status_values.{lesson.status}"))
            yield Static(literal(" · ".join(about)), classes="hint")
            with VerticalScroll(id="detail-scroll"):
                yield Static(literal(lesson.text), classes="detail-text")
            yield Static(t("learning.lessons.no_names"), classes="hint", markup=False)
            yield Button(t("common.close"), id="close", variant="primary")

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
