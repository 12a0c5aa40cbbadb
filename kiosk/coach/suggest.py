"""The coach facade for the UI and the CLI: suggestions for what a worker wrote, never empty.

    coach = Coach(config)                 # cheap; nothing is loaded yet
    coach.start_loading()                 # background thread: check file, load model, warm prefix
    coach.state                           # "loading" | "ready" | "unavailable"
    coach.status_text("nl")               # one line for the screen, in that language (it says so
                                          # when the model does not write that language)
    coach.warm("nl")                      # optional, when a worker picks a language: pre-evaluates
                                          # that language's fixed prompt in the background
    coach.status_for("nl"), coach.engine_for("nl")   # a language can have its own model
                                          # ([coach.models], kiosk/coach/lineup.py)

    # in a thread worker (blocking; tokens stream through on_token from that thread). `text` is
    # what the worker wrote (the filled-in fields joined); the time limit includes waiting for a
    # model that is still loading:
    result = coach.suggest(text, "en", on_token=print, cancel=event)
    result.questions   # 1-3 Suggested(kind="question", text, source)
    result.idea        # Suggested(kind="idea", ...)
    result.title       # Suggested(kind="title", ...)
    result.own_title   # the worker's first words as a title, offered next to a model title
    result.category    # CategoryGuess(category, scores, confident, evidence)
    s.is_ai            # True when s.source is the model's name (mark AI text as AI)
    s.to_entry()       # kiosk.entries.Suggestion, to store with the worker's verdict

    coach.classify(text, "en")                                # CategoryGuess, instant
    coach.related(text, entries, k=3, lang="en", author=a)    # list[Related], instant

    # the supervisor's weekly digest (blocking, like suggest): one sentence from a station's
    # counted theme words, or None when the model is not ready, does not write the language, or
    # its sentence fails the gate
    coach.summarise_themes(["label printer", "jams"], "en", cancel=event)   # Suggested | None

    coach.cancel()                      # stops every running suggest() and summarise_themes()
    coach.close()                                             # on app exit

Sources: the model's registry name for model text that passed the quality gate, "bank" for the
curated question bank, "template" for a question or idea from content/coach/<lang>/templates.toml
that names the worker's own subject (curated, shown like the bank), "text" for a title taken from
the worker's own first words, "classifier" for the category. The questions: the model's (at most
2), then one template question naming the worker's subject, then the bank's; none says the same
as another. Model output that fails the gate is listed in `result.rejected` with the reason.
`related()` only offers entries shared with the team (or the worker's own, when `author` is given).
`on_token` is called from the worker thread: post a message to the UI, do not touch widgets.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk.coach import gate
from kiosk.coach.bank import bank
from kiosk.coach.classify import CategoryGuess, Related, classifier, related
from kiosk.coach.engine import (LOADING, NOT_STARTED, READY, UNAVAILABLE, Engine, Generation,
                                Status)
from kiosk.coach.lineup import Lineup
from kiosk.coach.prompts import Parsed, prompt_set
from kiosk.coach.templates import named, pick
from kiosk.coach.text import coach_languages, language, similar
from kiosk.coach.titles import title_from_text
from kiosk.config import DEFAULT_LANGUAGE, Config
from kiosk.entries import Suggestion

log = logging.getLogger("kiosk.coach")

BANK, TEMPLATE, TEXT, CLASSIFIER = "bank", "template", "text", "classifier"
NON_MODEL_SOURCES = (BANK, TEMPLATE, TEXT, CLASSIFIER)
N_QUESTIONS = 3
MAX_MODEL_QUESTIONS = 2  # at least one question always comes from the bank or a template
MIN_WORDS_FOR_MODEL = 4
DIGEST_MAX_TOKENS = 40  # the digest's one sentence


@dataclass(frozen=True)
class Suggested:
    """One suggestion: what it is, its text, where it came from."""

    kind: str  # question | idea | title | category (suggestions); summary (the weekly digest)
    text: str
    source: str

    @property
    def is_ai(self) -> bool:
        return self.source not in NON_MODEL_SOURCES

    def to_entry(self, verdict: str | None = None, final_text: str | None = None) -> Suggestion:
        return Suggestion(kind=self.kind, text=self.text, source=self.source, verdict=verdict,
                          final_text=final_text)


@dataclass(frozen=True)
class Rejected:
    """Model output the quality gate turned down."""

    kind: str
    text: str
    reason: str
    detail: str = ""


@dataclass
class Suggestions:
    language: str
    questions: list[Suggested]
    idea: Suggested
    title: Suggested
    category: CategoryGuess
    model: str | None = None  # the model that was asked, if any
    raw: str = ""  # what the model wrote, unfiltered
    rejected: list[Rejected] = field(default_factory=list)
    stop_reason: str = ""  # engine stop reason, or why the model was not asked
    first_token_s: float | None = None
    seconds: float = 0.0
    tokens: int = 0
    own_title: Suggested | None = None  # next to a model's title: the worker's own first words

    @property
    def items(self) -> list[Suggested]:
        return [*self.questions, self.idea, self.title, *([self.own_title] if self.own_title
                                                          else [])]

    @property
    def category_suggestion(self) -> Suggested:
        return Suggested("category", self.category.category, CLASSIFIER)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = asdict(self.category)
        return data


class _AnyEvent:
    """Looks like a threading.Event that is set when any of its events is."""

    def __init__(self, *events: threading.Event | None):
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


class Coach:
    def __init__(self, config: Config, *, engine: Engine | None = None,
                 model: str | None = None):
        """`engine`: a ready-made engine for every language, or anything with Engine's interface
        (the tests pass tests/support/fake_engine.py's FakeEngine). `model`: a registry name or
        a .gguf path instead of config.model (languages with a model of their own in
        [coach.models] keep it; kiosk/coach/lineup.py says which language uses which model)."""
        self.config = config
        self.max_tokens = config.max_tokens
        self.time_limit = config.time_limit
        self._problem: Status | None = None
        self._active: set[threading.Event] = set()
        self._active_lock = threading.Lock()
        self.lineup: Lineup | None = None
        if engine is None and not config.coach_enabled:
            self._problem = Status(UNAVAILABLE, "disabled", "the coach is turned off in the "
                                                            "config ([coach] enabled)")
        else:
            self.lineup = Lineup(config, model=model, engine=engine)

    @property
    def engine(self) -> Engine | None:
        """The kiosk language's engine (or another language's when it has none)."""
        return self.lineup.main() if self.lineup is not None else None

    def engine_for(self, lang: str) -> Engine | None:
        return self.lineup.engine(_lang(lang)) if self.lineup is not None else None

    # -- state ------------------------------------------------------------------------------
    @property
    def status(self) -> Status:
        """The state of the kiosk language's model."""
        return self.status_for(self.config.language)

    def status_for(self, lang: str) -> Status:
        if self._problem is not None:
            return self._problem
        engine = self.engine_for(lang)
        if engine is None:
            return self.lineup.problems.get(_lang(lang)) or Status(UNAVAILABLE, "error",
                                                                   "no engine")
        status = engine.status
        return Status(LOADING) if status.state == NOT_STARTED else status

    @property
    def state(self) -> str:
        """"loading", "ready" or "unavailable"."""
        return self.status.state

    @property
    def model_name(self) -> str | None:
        return self.engine.name if self.engine is not None else None

    def status_text(self, lang: str) -> str:
        from kiosk.i18n import Strings

        t = Strings(lang)
        status = self.status_for(lang)
        if status.state == READY:
            name = self.engine_for(lang).name
            if not self.model_writes(_lang(lang)):
                return t("coach.status.bank_only", model=name)
            return t("coach.status.ready", model=name)
        if status.state == LOADING:
            return t("coach.status.loading")
        if status.code == "disabled":
            return t("coach.status.disabled")
        reason = t(f"coach.reason.{status.code}")
        if reason == f"coach.reason.{status.code}":
            reason = t("coach.reason.error")
        return t("coach.status.unavailable", reason=reason)

    def start_loading(self) -> None:
        """Load the kiosk language's model in a background thread (returns at once; idempotent).
        Another language's own model loads when a worker of that language logs in (warm) or
        asks (suggest)."""
        engine = self.engine
        if engine is not None:
            engine.start()

    def wait_ready(self, timeout: float | None = None, lang: str | None = None) -> bool:
        """Block until loading finished (or `timeout`); True if the model (of `lang`, default
        the kiosk language) is ready."""
        engine = self.engine_for(lang) if lang else self.engine
        if engine is None:
            return False
        engine.start()
        return engine.wait(timeout)

    def warm(self, lang: str) -> None:
        """Pre-evaluate `lang`'s fixed prompt in the background, e.g. when a worker logs in
        (this loads that language's model first if it is not loaded yet)."""
        engine = self.engine_for(lang)
        if engine is None or not self.model_writes(lang):
            return
        engine.start()

        def run() -> None:
            if engine.wait(self.time_limit * 3):
                engine.warm(prompt_set(lang).prefix(engine.spec.prompt_style))

        threading.Thread(target=run, name="coach-warm", daemon=True).start()

    def model_writes(self, lang: str) -> bool:
        """Whether `lang` gets model text (its model is there and writes it)."""
        return self.lineup is not None and self.lineup.writes(_lang(lang))

    # -- the fast, model-free parts ---------------------------------------------------------
    def classify(self, text: str, lang: str) -> CategoryGuess:
        return classifier(_lang(lang)).classify(text)

    def related(self, text: str, candidates: Iterable[Any], k: int = 3, *,
                lang: str | None = None, author: str | None = None,
                exclude_id: str | None = None) -> list[Related]:
        """Up to k earlier entries like `text`, among those shared with the team (or written by
        `author`), excluding `exclude_id` (the entry being edited)."""
        visible = [e for e in candidates
                   if getattr(e, "id", None) != exclude_id
                   and (getattr(e, "visibility", "team") == "team"
                        or (author is not None and getattr(e, "author", None) == author))]
        return related(text, _lang(lang or self.config.language), visible, k)

    # -- suggestions ------------------------------------------------------------------------
    def suggest(self, text: str, lang: str, *, on_token: Callable[[str], None] | None = None,
                cancel: threading.Event | None = None,
                category: str | None = None) -> Suggestions:
        """Questions, an idea and a title for `text`. Blocking: call it from a worker thread.
        Streams the model's raw text through `on_token`; stops early on `cancel`, `cancel()` or
        the configured time limit. Always returns a full set (the bank fills in)."""
        lang = _lang(lang)
        guess = self.classify(text, lang)
        chosen = category or guess.category
        result = Suggestions(language=lang, questions=[], idea=Suggested("idea", "", BANK),
                             title=Suggested("title", "", TEXT), category=guess)
        parsed = self._ask_model(text, lang, result, on_token, cancel)
        self._fill(text, lang, chosen, parsed, result)
        return result

    def _ask_model(self, text: str, lang: str, result: Suggestions,
                   on_token: Callable[[str], None] | None,
                   cancel: threading.Event | None) -> Parsed | None:
        engine = self.engine_for(lang)
        if engine is None:
            result.stop_reason = "unavailable"
            return None
        if not self.model_writes(lang):
            result.stop_reason = "language"
            return None
        if len(language(lang).content(text)) < MIN_WORDS_FOR_MODEL:
            result.stop_reason = "too_little_text"
            return None
        engine.start()
        prompts = prompt_set(lang)
        prompt = prompts.build(text, engine.spec.prompt_style)
        streamed_lead = False

        def forward(piece: str) -> None:
            nonlocal streamed_lead
            if on_token is None:
                return
            if not streamed_lead:
                streamed_lead = True
                on_token(prompt.lead)
            on_token(piece)

        generation = self._generate(
            engine, prompt.text, cancel, max_tokens=self.max_tokens, on_token=forward,
            stop=prompt.stop, until=lambda so_far: prompts.parse(prompt.lead + so_far).complete,
            temperature=prompts.temperature, repeat_penalty=prompts.repeat_penalty)
        result.model = engine.name
        result.stop_reason = generation.stop_reason
        result.first_token_s = generation.first_token_s
        result.seconds = generation.seconds
        result.tokens = generation.tokens
        if generation.stop_reason in ("unavailable", "error") and not generation.text:
            return None
        raw = prompt.lead + generation.text
        if generation.stop_reason in ("max_tokens", "time_limit", "cancelled") and \
                not raw.endswith("\n"):
            raw = raw.rsplit("\n", 1)[0] if "\n" in raw else ""  # drop the unfinished line
        result.raw = prompt.lead + generation.text
        return prompts.parse(raw)

    def _fill(self, text: str, lang: str, category: str, parsed: Parsed | None,
              result: Suggestions) -> None:
        model = result.model or ""
        examples = tuple(prompt_set(lang).example_outputs())
        questions: list[Suggested] = []
        if parsed is not None:
            for question in parsed.questions:
                if len(questions) >= MAX_MODEL_QUESTIONS:
                    break
                verdict = gate.check(question, "question", lang, text, examples=examples)
                if verdict and any(similar(question, q.text, lang) for q in questions):
                    verdict = gate.Verdict(False, "repetitive", "same as another question")
                self._keep_or_reject("question", question, verdict, model, questions, result)
            ideas: list[Suggested] = []
            if parsed.idea:
                verdict = gate.check(parsed.idea, "idea", lang, text, examples=examples)
                self._keep_or_reject("idea", parsed.idea, verdict, model, ideas, result)
            if ideas:
                result.idea = ideas[0]
            titles: list[Suggested] = []
            if parsed.title:
                title = parsed.title.strip().rstrip(".")
                verdict = gate.check(title, "title", lang, text, examples=examples)
                self._keep_or_reject("title", title, verdict, model, titles, result)
            if titles:
                result.title = titles[0]
        own = pick("questions", text, lang, category,
                   avoid=lambda c: any(similar(c, q.text, lang) for q in questions))
        taken = tuple(q.text for q in questions)
        if own is not None:
            questions.append(Suggested("question", own[0], TEMPLATE))
            taken += (own[0], own[0].replace(named(own[1], lang), ""))  # and what it asks
        the_bank = bank(lang)
        for extra in the_bank.pick_questions(text, category, N_QUESTIONS - len(questions),
                                             avoid=taken):
            questions.append(Suggested("question", extra, BANK))
        result.questions = questions[:N_QUESTIONS]
        if not result.idea.text:
            idea = pick("ideas", text, lang, category)
            result.idea = Suggested("idea", idea[0], TEMPLATE) if idea else \
                Suggested("idea", the_bank.pick_idea(text, category), BANK)
        own_title = Suggested("title", title_from_text(text, lang), TEXT)
        if not result.title.text:
            result.title = own_title
        elif own_title.text and own_title.text.casefold() != result.title.text.casefold():
            result.own_title = own_title  # the worker chooses: the model's words or their own

    @staticmethod
    def _keep_or_reject(kind: str, text: str, verdict: gate.Verdict, model: str,
                        kept: list[Suggested], result: Suggestions) -> None:
        if verdict.ok:
            kept.append(Suggested(kind, text.strip(), model))
        else:
            result.rejected.append(Rejected(kind, text, verdict.reason, verdict.detail))

    # -- the weekly digest -------------------------------------------------------------------
    def summarise_themes(self, themes: Sequence[str], lang: str, *,
                         cancel: threading.Event | None = None) -> Suggested | None:
        """One plain sentence summing up a station's theme words for a team meeting, written by
        the model (prompt: content/coach/<lang>/prompts.toml [digest]) and passed by the quality
        gate; None when the model is not ready (this does not wait for loading), does not write
        `lang`, is stopped before the sentence ends, or writes nothing usable. Only the theme
        words go into the prompt, never entry text. Blocking: stops on `cancel`, `cancel()` or
        the configured time limit."""
        engine = self.engine_for(lang)
        if engine is not None and self.model_writes(lang):
            engine.start()  # a language's own model: loading now, ready for the next digest
        if not themes or engine is None or self.status_for(lang).state != READY or \
                not self.model_writes(lang):
            return None
        generation = self._generate(engine, prompt_set(lang).digest(themes), cancel,
                                    max_tokens=DIGEST_MAX_TOKENS, stop=("\n",))
        if generation.stop_reason not in ("stop", "eos"):
            return None  # cut off (cancel, time limit, too long) or failed: not a sentence
        sentence = generation.text.strip()
        if not sentence or not gate.check(sentence, "idea", lang, ", ".join(themes)).ok:
            return None
        return Suggested("summary", sentence, engine.name)

    def _generate(self, engine: Engine, prompt: str, cancel: threading.Event | None,
                  **options: Any) -> Generation:
        """engine.generate under the coach's time limit, stopped by `cancel` or `cancel()`."""
        own = threading.Event()
        with self._active_lock:
            self._active.add(own)
        try:
            return engine.generate(prompt, cancel=_AnyEvent(own, cancel),
                                   time_limit=self.time_limit, **options)
        finally:
            with self._active_lock:
                self._active.discard(own)

    # -- stopping ---------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop every suggest() running now (they return promptly with bank suggestions)."""
        with self._active_lock:
            for event in self._active:
                event.set()

    def close(self) -> None:
        self.cancel()
        for engine in self.lineup.all() if self.lineup is not None else ():
            engine.close()


def _lang(lang: str | None) -> str:
    """The coach's language for `lang`: itself if the coach has content for it, else English."""
    return lang if lang in coach_languages() else DEFAULT_LANGUAGE
