"""Postal addresses: a street line with a house number, and the postal code and town that follow.

No address model can be shipped here, so this is rules: a street is recognised by its street
word in the languages of the markets served ("Straße", "rue", "Calle", "Via", "Rua", "straat",
"ul.", USPS suffixes such as "Street" or "Ave") and must carry a house number, written where that
country writes it ("12 rue de la Paix", "Hauptstraße 12", "Calle Mayor, 14"). What follows on the
same or the next line is taken with it when it is a postal code in one of the supported formats
and a town. Full UK, Dutch and Canadian postcodes are fine-grained enough (a street or a
building) to be taken alone. Chinese and Japanese addresses are a run of administrative units
ending in a number ("建国路93号", "六本木1丁目2番3号").

A street name without a number ("I live on Baker Street"), a town alone, and a house number
without a street word ("at 12 Smith's") are not addresses here.
"""

# Chinese and Japanese addresses use full-width punctuation: that is what is matched.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_UP = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
_LO = "a-zß-öø-ÿ\u0100-\u017f"
_APOSTROPHES = "'\u2019"
_NAME_WORD = (
    rf"(?:[{_UP}0-9][{_LO}{_UP}{_APOSTROPHES}.\-]*|d'|l'|de|del|della|di|da|das|dos|do|du|des"
    r"|la|le|les|van|von|der|den|y|e|et|of|the|am|an|im|auf|zum|zur)"
)
_HOUSE = r"[0-9]{1,5}(?:\s?[A-Za-z](?![A-Za-z]))?(?:\s?[-/]\s?[0-9]{1,4}[A-Za-z]?)?"

# Street words written before the name (Romance and Slavic languages, Dutch and German prefixes).
_PREFIX_TYPES = (
    r"calle|c/|c\.|avenida|avda\.?|av\.|avd\.|paseo|pº|plaza|pza\.?|camino|carretera|ctra\.?|ronda"
    r"|travesía|travesia|glorieta|callejón|cuesta|urbanización|rambla|pasaje|alameda|vía|via|viale"
    r"|piazza|piazzale|corso|largo|vicolo|strada|contrada|borgo|lungomare|stretto|incrocio|traversa"
    r"|rotonda|canale|quartiere|rua|r\.|travessa|praça|praca|estrada|rodovia|vila|beco|quadra"
    r"|ladeira|distrito|campo|lagoa|setor|sítio|sitio|feira|parque|chácara|condomínio|conjunto"
    r"|fazenda|jardim|loteamento|morro|núcleo|residencial|recanto|trecho|vale|vereda|viela|rue|avenue|boulevard|bd|bld|chemin|allée"
    r"|allee|place|impasse|quai|route|cours|square|passage|voie|sentier|ul\.|ulica|al\.|aleja"
    r"|pl\.|plac|os\.|osiedle|am|an der|an den|im|in der|auf dem|zum|zur"
)
# Street words written after the name (English, German, Dutch, Nordic; USPS suffixes).
_SUFFIX_TYPES = (
    r"(?:street|st\.?|avenue|ave\.?|road|rd\.?|lane|ln\.?|drive|dr\.?|court|ct\.?|boulevard|blvd\.?"
    r"|way|place|pl\.?|terrace|close|crescent|parkway|pkwy|square|sq\.?|hill|gardens|row|mews"
    r"|circle|cir\.?|trail|highway|hwy|alley|estate|estates|mills?|center|centre|river|heights"
    r"|park|ridge|grove|view|walk|green|point|plaza|crossing|loop|pass|path|pike|run|springs?"
    r"|station|summit|valley|villages?|vista|ville|wells?|brook|creek|fields?|forest|harbor"
    r"|haven|island|junction|lake|landing|light|lodge|manor|meadows?|mission|motorway|orchard"
    r"|port|prairie|ranch|shoals?|shore|stream|throughway|trace|track|turnpike|union|wharf"
    r"|burgs?|bypass|cape|causeway|cliffs?|common|corners?|cove|dale|dam|divide|expressway"
    r"|extension|falls|ferry|flats?|ford|fork|fort|freeway|gateway|glen|knolls?|lock|mall"
    r"|mount|mountain|neck|oval|overpass|radial|ramp|rapids|rest|route|skyway|spur|squares"
    r"|underpass|viaduct|vias?|ways|inlet|locks?|pines?|plains?|club|camp|canyon|cliff|curve"
    r"|garden|glens|greens|groves|harbors|hills|hollow|isle|keys?|knoll|lakes|lights|loaf|mews"
    r"|mills|mountains|orchards|parks|parkways|passage|plaza|ports|radial|ridges|roads|shoal"
    r"|shores|streets|summit|terrace|tunnel|valleys|views|villes|vistas|walks|drives|courts"
    r"|crescents|lanes|ganj|marg|nagar|path|chowk|gali|colony|layout|bagh|pur|puram"
    r")s?"
)
_GLUED_SUFFIXES = (
    r"straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|chaussee|steig|pfad|markt|hof"
    r"|berg|graben|stieg|kamp|wall|tor|acker|feld|garten|park|brücke|zeile|promenade|siedlung"
    r"|straat|laan|boulevard|plein|gracht|kade|singel|dijk|baan|pad|steeg|dreef|wal|hof|veld|haven"
    r"|gatan|vägen|väg|gränd|stig|torget|gata|gade|vej|veien|gaten|vei|tie|katu"
)

_BUILDING = (
    r"(?:flat|apt\.?|apartment|unit|suite|studio|h\.\s?no\.?|house no\.?)\s*[0-9A-Za-z/]{1,6}"
)
_NUMBER_FIRST = re.compile(
    rf"(?<![\w])(?:(?:{_BUILDING},?\s+)?{_HOUSE},?\s+|{_BUILDING},?\s+)"
    rf"(?:(?:{_PREFIX_TYPES})\s+(?:{_NAME_WORD}\s?){{1,5}}"
    rf"|(?:{_NAME_WORD}\s){{1,4}}(?:{_SUFFIX_TYPES})(?![\w]))",
    re.IGNORECASE,
)
_NAME_FIRST = re.compile(
    rf"(?<![\w])(?:(?:{_PREFIX_TYPES})\s+(?:{_NAME_WORD}[\s,]\s?){{1,5}}(?:n[º°o]\.?\s?)?"
    # A space before the number: "SPRING24" is a promo code, not a street ending in "ring".
    rf"|[{_UP}][{_LO}{_UP}\-]*(?:{_GLUED_SUFFIXES})\s"
    rf"|(?:[{_UP}][{_LO}\-]+\s){{1,3}}(?:{_GLUED_SUFFIXES}|street|road|lane|avenue)\s)"
    rf"(?:{_HOUSE}|s/n)(?![0-9])",
    re.IGNORECASE,
)
# What may follow a street line: a flat or floor, then a postal code and a town.
_UNIT = re.compile(
    r"[,\s]+(?:apt\.?|apartment|suite|ste\.?|unit|flat|#|piso|puerta|escalera|esc\.|planta"
    r"|piano|int\.?|scala|étage|bâtiment|bat\.|wohnung|whg\.?|etage|andar|apto\.?|sala|bloco"
    r"|lok\.|m\.|appartamento|interno)\s?[0-9A-Za-zº°ª]{1,6}(?:\s?[º°ª])?(?:\s?[A-Za-z](?![A-Za-z]))?",
    re.IGNORECASE,
)
# A Spanish floor and door after the number: "14, 3º B", "4º 2ª".
_FLOOR = re.compile(r"[,\s]+[0-9]{1,2}\s?[º°ª](?:\s?(?:[0-9]{1,2}\s?[ºª]|[A-Za-z](?![A-Za-z])))?")
_POSTAL = (
    r"[0-9]{5}(?:-[0-9]{3,4})?"  # DE FR IT ES FI ... US ZIP(+4), BR CEP
    r"|[0-9]{6}(?:[0-9]{2})?"  # IN PIN, CN; BR CEP without its dash
    r"|[0-9]{2}-[0-9]{3}"  # PL
    r"|[0-9]{4}-[0-9]{3}"  # PT
    r"|[0-9]{4}\s?[A-Z]{2}(?![A-Za-z])"  # NL
    r"|[0-9]{3}\s[0-9]{2}"  # SE
    r"|[0-9]{4}"  # AT BE CH DK NO AU ...
    r"|[A-Z]{1,2}[0-9][A-Z0-9]?\s?[0-9][A-Z]{2}"  # UK
    r"|[A-Z][0-9][A-Z]\s?[0-9][A-Z][0-9]"  # CA
)
_TOWN = (
    r"(?:(?:da|de|do|dos|das|le|la|les|el|il|'s)\s?)?"
    # No dots: "Berlin. Thanks" ends the town with the sentence.
    rf"[{_UP}'][{_LO}{_UP}{_APOSTROPHES}\-]*(?:[ \-](?:[{_UP}][{_LO}{_UP}{_APOSTROPHES}\-]*"
    r"|am|an|im|de|del|di|do|da|sur|en|la|le|les|upon|on)){0,3}"
)
_REGION = r"(?:,?\s?(?:[A-Z]{2}|\([A-Z]{2}\)|/\s?[A-Z]{2}))?"
_TAIL = re.compile(
    rf"(?:[,\s]|\s*\n\s*){{1,3}}(?:"
    rf"(?:{_POSTAL})\s+{_TOWN}{_REGION}"  # 10115 Berlin; 26865, San Rocco (LO)
    rf"|{_TOWN},?\s+(?:[A-Z]{{2}}\s+)?(?:{_POSTAL})"  # Springfield, IL 62704; Jaén, 36635
    rf"|{_TOWN}{_REGION}"  # a town alone on the next line
    rf"|[0-9]{{4,6}}"  # a postal code alone: "1600 Amphitheatre Parkway, 94043"
    rf")(?![\w])"
)
_STANDALONE_POSTCODE = re.compile(
    r"(?<![\w])(?:[A-Z]{1,2}[0-9][A-Z0-9]?\s[0-9][A-Z]{2}"  # UK, written with its space
    r"|[A-Z][0-9][A-Z]\s[0-9][A-Z][0-9])(?![\w])"  # CA
)

_HAN = "\u4e00-\u9fff"
_CJK_ADDRESS = re.compile(
    rf"(?:[{_HAN}]{{2,4}}(?:省|自治区))?(?:[{_HAN}]{{1,5}}(?:市|都|道|府|県))?"
    rf"(?:[{_HAN}]{{1,5}}(?:区|县|市|郡|町|村|镇|乡))?"
    rf"[{_HAN}A-Za-z0-9\u30a0-\u30ff\u3040-\u309f]{{0,12}}?"
    rf"(?:"
    rf"(?:路|街|道|巷|弄|胡同|大道|里|村)[0-9一二三四五六七八九十A-Za-z]+(?:号|號|座|弄)"
    rf"(?:[0-9A-Za-z]+(?:栋|幢|号楼|楼|单元|室|号))*"
    rf"|[0-9]+丁目(?:[0-9]+番地?)?(?:[0-9]+号)?"
    rf"|[0-9]+-[0-9]+(?:-[0-9]+)?(?![0-9])"
    rf")"
    # A building and room after a space ("コート859"), a postal code after the address.
    rf"(?:[ \u3000][{_HAN}\u3040-\u309f]{{0,8}}[\u30a0-\u30ff][{_HAN}\u30a0-\u30ff]{{0,10}}"
    rf"[0-9]{{1,4}}(?![0-9]))?"
    rf"(?:[ \u3000]?(?:邮编|郵便番号)?[:：]?\s?[0-9]{{6}}(?![0-9]))?"
)
_CJK_NEEDS_UNIT = re.compile(rf"[{_HAN}]{{1,5}}(?:市|区|県|都|府|郡|町|村|县|镇|路|街)")
_CJK_LEAD = re.compile(r".*(?:是|在|到|为|寄|至|は|へ|に|の)")
_JP_POSTCODE = re.compile(r"〒\s?[0-9]{3}-?[0-9]{4}")


@dataclass(frozen=True, slots=True)
class AddressMatch:
    start: int
    end: int


def find_addresses(text: str) -> Iterator[AddressMatch]:
    if any(ch.isdigit() for ch in text):
        yield from _latin(text)
        yield from _cjk(text)
    yield from (AddressMatch(m.start(), m.end()) for m in _STANDALONE_POSTCODE.finditer(text))


def _latin(text: str) -> Iterator[AddressMatch]:
    for pattern in (_NUMBER_FIRST, _NAME_FIRST):
        for match in pattern.finditer(text):
            end = match.end()
            for extra in (_UNIT, _FLOOR):
                more = extra.match(text, end)
                if more is not None:
                    end = more.end()
            tail = _TAIL.match(text, end)
            if tail is not None:
                end = tail.end()
            yield AddressMatch(match.start(), end)


def _cjk(text: str) -> Iterator[AddressMatch]:
    if not re.search(f"[{_HAN}]", text):
        return
    for match in _JP_POSTCODE.finditer(text):
        yield AddressMatch(match.start(), match.end())
    for match in _CJK_ADDRESS.finditer(text):
        value = match.group(0)
        # A bare "1-2-3" or "93号" is a quantity or a code unless administrative units precede.
        unit = _CJK_NEEDS_UNIT.search(value)
        if unit is None:
            continue
        # The characters before the first unit may hold the words that introduce the address
        # ("新地址是北京市..."): start after them.
        lead = _CJK_LEAD.match(value[: unit.end()])
        start = match.start() + (lead.end() if lead else 0)
        yield AddressMatch(start, match.end())
