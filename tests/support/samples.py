"""Realistic sample entries for the sync tests, `bench/sync.py` and `bench/fuzz_import.py` (test
support: not shipped, never shown to users).

Text is composed from independent clause pools with numbers, machines and times varied, so a
batch of a few hundred entries does not repeat whole sentences (which would flatter DEFLATE).
The sync dictionary (zdict.py) was written by hand and is not built from these pools.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from kiosk.entries import Entry, Response, Suggestion
from kiosk.ids import ID_RANDOM_BITS, format_id, id_tag

MODEL = "smollm2-135m-instruct-q4_1"

_MACHINES = {
    "en": ["press 3", "the lathe", "the filler", "the capper", "robot cell 2", "the mixer",
           "the labeller", "the wrapper", "line 4", "the oven", "the saw", "the CNC mill",
           "the conveyor", "the palletiser", "the welding robot", "the grinder"],
    "nl": ["pers 3", "de draaibank", "de vuller", "de doppenmachine", "robotcel 2", "de menger",
           "de etiketteerder", "de wikkelaar", "lijn 4", "de oven", "de zaag", "de freesbank",
           "de transportband", "de palletiseerder", "de lasrobot", "de slijpmachine"],
}

_EVENTS = {
    "en": [
        "{m} stopped {n} times in the first hour with a sensor fault",
        "the first parts from {m} were {d} mm too long after the changeover",
        "we waited {n} minutes for a forklift to bring new material to {m}",
        "a guard on {m} was left open after cleaning",
        "oil was leaking under {m} and someone almost slipped",
        "the label on the box did not match the order on the screen",
        "the new batch of film kept tearing on {m}",
        "two colleagues were sick so we ran {m} with three people",
        "the torque on {m} drifted during the night shift",
        "a customer sent back {n} boxes because of scratches",
        "the setup sheet for {m} still shows the old tool",
        "{m} made a grinding noise after lunch",
        "the scanner at {m} could not read the barcodes on the new cartons",
        "we found {n} parts with burrs at the end of the shift",
        "the air pressure dropped and {m} stopped twice",
        "nobody knew where the spare belts for {m} are kept",
        "the handover note from the night shift was empty",
        "the pallet with raw material was wrongly labelled",
        "the emergency stop on {m} took {n} seconds to reset",
        "the temperature of {m} was {n} degrees too high at start",
        "the cleaning took {n} minutes longer because the tools were missing",
        "a new colleague did the changeover on {m} alone for the first time",
        "the first piece check was done on the wrong drawing",
        "we had to rework {n} units because a clip was missing",
        "the glue on {m} dried too fast in the warm hall",
        "the waste bin at {m} was full and parts fell on the floor",
    ],
    "nl": [
        "{m} stond {n} keer stil in het eerste uur door een sensorstoring",
        "de eerste delen van {m} waren {d} mm te lang na het omstellen",
        "we wachtten {n} minuten op een heftruck met nieuw materiaal voor {m}",
        "een afscherming van {m} stond nog open na het schoonmaken",
        "er lekte olie onder {m} en iemand gleed bijna uit",
        "het etiket op de doos klopte niet met de order op het scherm",
        "de nieuwe rol folie scheurde steeds op {m}",
        "twee collega's waren ziek dus we draaiden {m} met drie mensen",
        "het aanhaalmoment van {m} liep weg tijdens de nachtdienst",
        "een klant stuurde {n} dozen terug vanwege krassen",
        "het instelblad van {m} toont nog het oude gereedschap",
        "{m} maakte na de lunch een schurend geluid",
        "de scanner bij {m} kon de barcodes op de nieuwe dozen niet lezen",
        "we vonden {n} delen met bramen aan het einde van de dienst",
        "de luchtdruk viel weg en {m} stopte twee keer",
        "niemand wist waar de reservebanden voor {m} liggen",
        "de overdracht van de nachtdienst was leeg",
        "de pallet met grondstof had het verkeerde etiket",
        "de noodstop van {m} resetten duurde {n} seconden",
        "de temperatuur van {m} was bij de start {n} graden te hoog",
        "het schoonmaken duurde {n} minuten langer omdat het gereedschap weg was",
        "een nieuwe collega deed voor het eerst alleen de omstelling van {m}",
        "de eerste-stukcontrole werd op de verkeerde tekening gedaan",
        "we moesten {n} stuks herstellen omdat er een clip ontbrak",
        "de lijm op {m} droogde te snel in de warme hal",
        "de afvalbak bij {m} was vol en er vielen delen op de vloer",
    ],
}

_DETAILS = {
    "en": [
        "Maintenance came after {n} minutes.", "We lost about {n} minutes.",
        "It happened again on the second shift.", "The team leader was informed.",
        "Nobody was hurt.", "The quality check caught it before packing.",
        "We wrote it on the board.", "It was fixed with a temporary clamp.",
        "This is the third time this month.", "The supplier changed the material last week.",
        "", "", "",
    ],
    "nl": [
        "Onderhoud kwam na {n} minuten.", "We verloren ongeveer {n} minuten.",
        "Het gebeurde opnieuw in de tweede dienst.", "De teamleider is ingelicht.",
        "Niemand raakte gewond.", "De kwaliteitscontrole zag het voor het inpakken.",
        "We hebben het op het bord geschreven.", "Het is tijdelijk opgelost met een klem.",
        "Dit is de derde keer deze maand.",
        "De leverancier heeft vorige week het materiaal veranderd.",
        "", "", "",
    ],
}

_NOTICED = {
    "en": [
        "The sensor is dirty every time after cleaning with water.",
        "It only happens with the blue cartons.", "The instructions are only in English.",
        "The tool wears faster with the new steel.", "People skip the check when we are behind.",
        "The problem starts when the hall gets warm.",
        "The spare parts are on the other side of the hall.",
        "Nobody owns this task on the night shift.", "The settings were not written down.",
    ],
    "nl": [
        "De sensor is na het schoonmaken met water steeds vuil.",
        "Het gebeurt alleen met de blauwe dozen.", "De instructies zijn alleen in het Engels.",
        "Het gereedschap slijt sneller met het nieuwe staal.",
        "Mensen slaan de controle over als we achterlopen.",
        "Het probleem begint als de hal warm wordt.",
        "De reserveonderdelen liggen aan de andere kant van de hal.",
        "Niemand is eigenaar van deze taak in de nachtdienst.",
        "De instellingen waren niet opgeschreven.",
    ],
}

_LEARNED = {
    "en": [
        "Check the first part before running the whole batch.", "Ask before changing a setting.",
        "A photo of the right setup saves time.", "Report small leaks at once.",
        "Clean the sensor with a dry cloth.", "Two people are faster for this changeover.",
    ],
    "nl": [
        "Controleer het eerste deel voor je de hele serie draait.",
        "Vraag het voordat je een instelling verandert.",
        "Een foto van de juiste opstelling scheelt tijd.", "Meld kleine lekkages meteen.",
        "Maak de sensor schoon met een droge doek.",
        "Met twee mensen gaat deze omstelling sneller.",
    ],
}

_NEXT = {
    "en": [
        "Put a shadow board next to {m}.", "Add the check to the start-up list.",
        "Keep spare parts at the line.", "Ask maintenance for a cover.",
        "Talk about it at the team meeting.", "Make a one-page instruction with pictures.",
    ],
    "nl": [
        "Een schaduwbord naast {m} hangen.", "De controle aan de opstartlijst toevoegen.",
        "Reserveonderdelen bij de lijn leggen.", "Onderhoud vragen om een afdekking.",
        "Het bespreken in het teamoverleg.", "Een instructie van een pagina met foto's maken.",
    ],
}

_QUESTIONS = {
    "en": [
        "What did you notice just before it happened?", "What would make this easier next time?",
        "Who else should know about this?", "What was different from a normal shift?",
        "What could you try tomorrow to prevent this?", "How did you find out something was wrong?",
        "What did the team learn from this?", "Which step took the most time?",
    ],
    "nl": [
        "Wat viel je op vlak voordat het gebeurde?",
        "Wat zou het de volgende keer makkelijker maken?",
        "Wie moet dit nog meer weten?", "Wat was er anders dan in een normale dienst?",
        "Wat kun je morgen proberen om dit te voorkomen?", "Hoe merkte je dat er iets mis was?",
        "Wat heeft het team hiervan geleerd?", "Welke stap kostte de meeste tijd?",
    ],
}

_ANSWERS = {
    "en": ["Thanks, maintenance will look at it this week.",
    "Good idea, we try it on line 4 first.",
           "Discussed in the team meeting, see the board.", "We ordered the parts."],
    "nl": ["Bedankt, onderhoud kijkt er deze week naar.",
    "Goed idee, we proberen het eerst op lijn 4.",
           "Besproken in het teamoverleg, zie het bord.", "De onderdelen zijn besteld."],
}


def _fill(rng: random.Random, text: str, language: str) -> str:
    return text.format(m=rng.choice(_MACHINES[language]), n=rng.randint(2, 45),
                       d=f"{rng.randint(1, 9) / 10:.1f}" if language == "en"
                       else f"{rng.randint(1, 9) / 10:.1f}".replace(".", ","))


def _id(rng: random.Random, at: datetime, kiosk_id: str) -> str:
    """Like `new_id(kiosk_id=...)`, but the random bits come from `rng` (a seed repeats a batch)."""
    rest = (id_tag(kiosk_id) << ID_RANDOM_BITS) | rng.getrandbits(ID_RANDOM_BITS)
    return format_id(round(at.timestamp() * 1000), rest)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def sample_entry(rng: random.Random, at: datetime, *, kiosk_id: str = "kiosk-a1",
                 station: str = "Assembly 1", line: str = "Line A",
                 authors: list[str] | None = None) -> Entry:
    """One entry as a kiosk would save it: a reflection, coach suggestions, maybe an answer."""
    language = "nl" if rng.random() < 0.5 else "en"
    what = _sentence(_fill(rng, rng.choice(_EVENTS[language]), language))
    detail = _fill(rng, rng.choice(_DETAILS[language]), language)
    fields = {"what_happened": f"{what} {detail}".strip()}
    if rng.random() < 0.45:
        fields["noticed"] = rng.choice(_NOTICED[language])
    if rng.random() < 0.35:
        fields["learned"] = rng.choice(_LEARNED[language])
    if rng.random() < 0.4:
        fields["next_step"] = _fill(rng, rng.choice(_NEXT[language]), language)
    suggestions = []
    if rng.random() < 0.8:
        source = MODEL if rng.random() < 0.6 else "bank"
        verdict = rng.choice(["accepted", "accepted", "dismissed", None])
        question = rng.choice(_QUESTIONS[language])
        suggestions.append(Suggestion("question", question, source, verdict))
    if rng.random() < 0.3:
        words = fields["what_happened"].split()[:5]
        suggestions.append(Suggestion("title", " ".join(words).rstrip(".,"), MODEL, "accepted"))
        fields["title"] = suggestions[-1].text
    kind = "idea" if "next_step" in fields and rng.random() < 0.6 else "observation"
    category = rng.choice(["safety", "quality", "flow", "maintenance", "teamwork", "other"])
    authors = authors or ["w-5KQ2M7TA", "w-J3XQ7B2D", "w-TT4NAZ6Q", "w-C2MRP5WE", "w-Q7H3LK2V"]
    created = _iso(at)
    entry = Entry(id=_id(rng, at, kiosk_id), kiosk_id=kiosk_id, station=station, line=line,
                  author=None if rng.random() < 0.25 else rng.choice(authors),
                  language=language, kind=kind, category=category, suggestions=suggestions,
                  created=created, updated=created,
                  visibility=rng.choice(["team", "team", "team", "supervisor"]), **fields)
    if rng.random() < 0.15:
        later = at + timedelta(minutes=rng.randint(1, 600))
        entry = replace(entry, updated=_iso(later))
    return entry.validate()


def sample_entries(count: int, *, seed: int = 1, kiosk_id: str = "kiosk-a1",
                   start: datetime | None = None, answered: float = 0.0) -> list[Entry]:
    """`count` entries about 20 minutes apart; `answered` is the share with a supervisor reply."""
    rng = random.Random(seed)
    at = start or datetime(2025, 3, 3, 6, 0, tzinfo=timezone.utc)
    entries = []
    for _ in range(count):
        at += timedelta(seconds=rng.randint(60, 2400), milliseconds=rng.randint(0, 999))
        entry = sample_entry(rng, at, kiosk_id=kiosk_id)
        if rng.random() < answered:
            answered_at = at + timedelta(hours=rng.randint(1, 30))
            reply = Response(at=_iso(answered_at), by="Team leader",
                             text=rng.choice(_ANSWERS[entry.language]))
            entry = replace(entry, responses=[reply], status="seen")
        entries.append(entry)
    return entries
