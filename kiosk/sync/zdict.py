"""The preset DEFLATE dictionary of sync protocol 2: typical entry text, shipped as data.

DEFLATE can copy from these bytes as if they came before the batch, so even a batch of one entry
compresses well. It holds the coach's category keywords and question bank (zdict_words.py), text
written by hand from shop-floor vocabulary (English and Dutch) and coaching question stems, and
the JSON skeleton of payload.py; the most useful strings come last (shorter copy distances).
It is part of the protocol: changing one byte breaks decoding of every existing frame, so a new
dictionary needs a new protocol version (a test pins its SHA-256).
"""

from __future__ import annotations

from kiosk.sync.zdict_words import BANK_WORDS

_DUTCH = """\
Ik heb gezien dat de machine stil stond. We hebben het probleem samen opgelost.
Er was geen materiaal meer bij de lijn en de heftruck was er niet. De storing kwam terug na
het omstellen van de matrijs. Het onderhoud is gebeld en de monteur kwam na een half uur.
De operator van de nachtdienst heeft de instellingen veranderd zonder het op te schrijven.
Veiligheid: iemand liep zonder veiligheidsschoenen of gehoorbescherming door de hal; de
afscherming, de noodstop en het hek moeten altijd dicht. Kwaliteit: afkeur, bramen, krassen,
maatvoering buiten tolerantie, de eerste-stukcontrole, de klant, een klacht, het etiket, de
verpakking, de doos, de pallet, de order. Doorstroming: wachten, zoeken, lopen, omstellen,
stilstand, de planning, de voorraad, het magazijn, de buffer. Onderhoud: olie, lekkage, lager,
ketting, band, filter, sensor, motor, pomp, koeling, luchtdruk, slijtage, smeren, reinigen.
Samenwerking: de overdracht, het teamoverleg, de teamleider, een nieuwe collega, uitleg,
afspraken, samen, helpen. Wat viel je op? Wat heb je geleerd? Wat ga je de volgende keer
anders doen? Wat zou helpen om dit te voorkomen? Wie moet dit weten? Waarom gebeurde dit?
Hoe kunnen we dit makkelijker maken? Wat was er anders dan normaal? Bedankt voor je idee, we
gaan het proberen. Goed gezien, besproken in het overleg. omdat, waardoor, nadat, voordat,
tijdens, maar, want, toen, daarna, steeds, vaak, soms, nooit, altijd, weer, nog, niet, geen,
wel, ook, dan, al, bij de, van de, op de, in de, aan de, met de, voor de, naar de, uit de,
het is, er is, we moeten, ik denk dat, de machine, de lijn, het gereedschap, het onderdeel,
de delen, minuten, uur, dienst, ochtenddienst, middagdienst, nachtdienst, vandaag, gisteren.
"""

_ENGLISH = """\
I noticed that the machine stopped. We solved the problem together as a team.
There was no material at the line and the forklift was not there. The fault came back after
the changeover of the mould. Maintenance was called and the technician came after half an hour.
The operator on the night shift changed the settings without writing them down.
Safety: someone walked through the hall without safety shoes or hearing protection; the
guard, the emergency stop and the gate must always be closed. Quality: scrap, rejects, burrs,
scratches, dimensions out of tolerance, the first piece check, the customer, a complaint, the
label, the packaging, the box, the pallet, the order. Flow: waiting, searching, walking,
changeover, downtime, the schedule, the stock, the warehouse, the buffer. Maintenance: oil,
leak, bearing, chain, belt, filter, sensor, motor, pump, cooling, air pressure, wear, grease,
cleaning. Teamwork: the handover, the team meeting, the team leader, a new colleague, explained,
agreed, together, helped. What did you notice? What did you learn? What will you do differently
next time? What would help to prevent this? Who else should know about this? Why did this
happen? How could we make this easier? What was different from a normal shift? Thanks for your
idea, we will try it. Well spotted, discussed in the meeting. because, so that, after, before,
during, but, when, then, again, always, never, often, sometimes, still, not, no, also, only,
at the, of the, on the, in the, to the, with the, for the, from the, it was, there was, we
had to, I think that, the machine, the line, the tool, the part, the parts, minutes, hours,
shift, morning shift, afternoon shift, night shift, today, yesterday.
"""

_SKELETON = (
    '"p":[[[0,"Team leader","'
    '{"t":"E","f":"kiosk-1","m":"2025-01-01T00:00:00.000Z","y":1,"k":"kiosk-1","st":"","l":"'
    '","g":"en","src":["smollm2-135m-instruct-q4_1","bank"],"au":["w-'
    '"],"len":1,"og":[null,"nl"],"a":[0,null,1],"n":[0,1],"c":[1,2,3,4,5],"v":[0,1],"s":[0,1],'
    '"se":[0,1],"up":[null,"d":[174'
    ',"i":[],"w":["The '
    '"],"o":["","'
    '"],"e":["","'
    '"],"x":["","'
    '"],"h":["",'
    '],"u":[[],[[0,"What ",0,1],[2,0,1,1]]]'
)

# 26.5 KB of the coach's words first (copied from least often), then the hand-written text and
# the skeleton nearest to the data: 30.3 KB, inside DEFLATE's 32 KB window.
ZDICT: bytes = (BANK_WORDS + _DUTCH + _ENGLISH + _SKELETON).encode("utf-8")
