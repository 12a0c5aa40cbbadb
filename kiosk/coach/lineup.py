"""Which model writes which language, and the coach's engines for them.

A language named in `[coach.models]` (e.g. `nl = "qwen2.5-0.5b-instruct-q4_0"`) uses that model,
whatever languages its registry entry lists: IT chose it for that language. Every other language
uses `[coach] model`, which writes only the languages its registry entry lists: the default
SmolLM2 writes English, so Dutch gets curated questions unless Dutch has a model of its own. A name
that is not in the registry leaves its language without model text, with the registry's message;
the kiosk runs on without it.

`language_models(config, registry)` says it per language (for `kiosk models list` and the coach);
`Lineup` holds the engines: one per model, shared by the languages that use it, each loaded when
first needed (so two models need the memory of both).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.coach.engine import UNAVAILABLE, Engine, Status
from kiosk.coach.prompts import prompt_set
from kiosk.coach.registry import ModelSpec, Registry, RegistryError, load_registry
from kiosk.coach.text import coach_languages
from kiosk.config import Config

log = logging.getLogger("kiosk.coach")


@dataclass(frozen=True)
class Choice:
    """The model chosen for one language."""

    language: str
    name: str  # as the config (or a command's --model) names it
    key: str  # where the name comes from: "coach.models.nl", "coach.model" or "--model"
    chain: tuple[ModelSpec, ...] = ()  # the model and its fallbacks; () when not in the registry
    problem: str = ""  # why there is no model (the registry's message)

    @property
    def own(self) -> bool:
        """Named for this language ([coach.models]): it writes the language."""
        return self.key.startswith("coach.models.")

    @property
    def spec(self) -> ModelSpec | None:
        return self.chain[0] if self.chain else None

    def writes(self, spec: ModelSpec | None = None) -> bool:
        """Whether the model (or `spec`, the one loaded in its place) writes this language."""
        spec = spec or self.spec
        return spec is not None and (self.own or spec.writes(self.language))


def kiosk_languages(config: Config) -> tuple[str, ...]:
    """The languages the coach may be asked in: the kiosk's, then any other with coach content
    (a text is coached in the language it was written in)."""
    return tuple(dict.fromkeys((*config.languages, *sorted(coach_languages()))))


def language_models(config: Config, registry: Registry | None, *, registry_error: str = "",
                    model: str | None = None) -> dict[str, Choice]:
    """Every kiosk language's model choice. `model` replaces [coach] model (`--model`);
    `registry` None: the registry did not load (`registry_error` says why)."""
    choices = {}
    for lang in kiosk_languages(config):
        name, own = config.model_for(lang)
        key = f"coach.models.{lang}" if own else ("--model" if model else "coach.model")
        name = name if own else (model or name)
        if registry is None:
            choices[lang] = Choice(lang, name, key, problem=registry_error)
            continue
        try:
            choices[lang] = Choice(lang, name, key, registry.chain(registry.resolve(name)))
        except RegistryError as exc:
            choices[lang] = Choice(lang, name, key, problem=f"{key} = {name!r}: {exc}")
    return choices


class Lineup:
    """The engines of the coach by language: one Engine per model, or one given engine (tests
    pass a FakeEngine) for every language."""

    def __init__(self, config: Config, *, model: str | None = None, engine=None):
        self.config = config
        self.choices: dict[str, Choice] = {}
        self.engines: dict[str, Engine] = {}
        self.problems: dict[str, Status] = {}
        if engine is not None:
            self.engines = {lang: engine for lang in kiosk_languages(config)}
            return
        try:
            registry, error = load_registry(), ""
        except RegistryError as exc:
            registry, error = None, str(exc)
        self.choices = language_models(config, registry, registry_error=error, model=model)
        by_model: dict[str, Engine] = {}
        for lang, choice in self.choices.items():
            if choice.spec is None:
                log.warning("coach: no model for %s: %s", lang, choice.problem)
                self.problems[lang] = Status(UNAVAILABLE, "registry", choice.problem)
                continue
            if choice.spec.name not in by_model:
                by_model[choice.spec.name] = Engine(
                    choice.spec, fallbacks=choice.chain[1:], threads=config.threads,
                    context=config.context, warm_prefixes=self._prefixes_for(choice.spec.name))
            self.engines[lang] = by_model[choice.spec.name]

    def _prefixes_for(self, name: str) -> Callable[[ModelSpec], tuple[str, ...]]:
        """The prefix to warm once the model named `name` (or its fallback `spec`) is loaded:
        the kiosk language's if it writes that, else the first language it writes."""
        def prefixes(spec: ModelSpec) -> tuple[str, ...]:
            langs = [lang for lang, c in self.choices.items()
                     if c.spec is not None and c.spec.name == name and c.writes(spec)]
            lang = self.config.language if self.config.language in langs else \
                next(iter(langs), None)
            return (prompt_set(lang).prefix(spec.prompt_style),) if lang else ()
        return prefixes

    def engine(self, lang: str):
        return self.engines.get(lang)

    def main(self):
        """The kiosk language's engine, or else the first there is (None: no model at all)."""
        return self.engines.get(self.config.language) or next(iter(self.engines.values()), None)

    def writes(self, lang: str) -> bool:
        engine = self.engines.get(lang)
        if engine is None:
            return False
        choice = self.choices.get(lang)
        return choice.writes(engine.spec) if choice is not None else engine.spec.writes(lang)

    def all(self) -> list:
        unique = []
        for engine in self.engines.values():
            if all(engine is not other for other in unique):
                unique.append(engine)
        return unique
