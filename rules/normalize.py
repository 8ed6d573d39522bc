"""Turn what applicants write into the form's values: ISO country codes, choice
codes, booleans, amounts in KRW and USD, E.164 phone numbers, addresses.

Every function is pure and returns None when it cannot normalise; the caller
keeps the raw text so validation can ask the applicant about it.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

import phonenumbers
import pycountry
from babel import Locale

from rules.form import FIELDS_BY_CODE, LANGUAGES

# The call fixes the only exchange rate the programme uses.
RATE_CITATION = "Korea plans to allocate up to one billion KRW or 0.85 million USD per project."
RATE_KRW = 1_000_000_000
RATE_USD = 850_000


def fold(text: str) -> str:
    """Lower case without accents or full-width forms. Hangul survives: NFKD
    splits syllables into jamo and NFC joins them again."""
    if text.isascii():  # most values: skip the Unicode round trip
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare).casefold().replace("’", "'")


def alternation(words, space: str | None = None) -> str:
    """A regex for any of ``words``, the longest at each place, built as a trie.

    Python's re tries a flat alternation's branches one by one; a trie shares
    their prefixes, which makes hundreds of labels or synonyms cheap to match.
    ``space``, if given, is the pattern a space in a word stands for."""
    trie: dict = {}
    for word in words:
        if word:
            node = trie
            for char in word:
                node = node.setdefault(char, {})
            node[""] = {}

    def build(node: dict) -> str:
        branches = [
            (space if space is not None and char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # A word may end here: the longer words are tried first, greedily.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _key(text: str) -> str:
    """Letters and digits only: "Viet Nam", "Vietnam" and "VIET-NAM" share a key."""
    return "".join(c for c in fold(text) if c.isalnum())


# --- country -----------------------------------------------------------------

# Names neither pycountry nor CLDR (through babel) spell the way applicants do.
_COUNTRY_ALIASES = {
    "Lao PDR": "LA", "Lao P.D.R.": "LA", "Turkey": "TR", "Ivory Coast": "CI",
    "Burma": "MM", "Swaziland": "SZ", "Czech Republic": "CZ", "Macedonia": "MK",
    "East Timor": "TL", "Republic of Korea": "KR", "Korea (South)": "KR",
    "Korea, South": "KR", "한국": "KR", "남한": "KR", "Corée": "KR",
    "Democratic Republic of the Congo": "CD", "DR Congo": "CD",
    "República Democrática del Congo": "CD", "République démocratique du Congo": "CD",
    "Republic of the Congo": "CG", "Kyrgyz Republic": "KG", "Russia": "RU",
    "Holland": "NL", "Great Britain": "GB", "England": "GB",
    "Perú": "PE", "Viet-Nam": "VN", "Türkiye Cumhuriyeti": "TR",
}
# Upper-case abbreviations; lower-case "no" or "in" are words, not Norway or India.
_COUNTRY_ABBREVIATIONS = {"USA": "US", "UK": "GB", "UAE": "AE", "DRC": "CD", "RDC": "CD", "ROK": "KR", "PRC": "CN"}
# Words around a country's name: "Republic of Peru", "Gobierno del Perú", "페루 공화국".
_COUNTRY_NOISE = re.compile(
    r"^(?:the|government of|gobierno de(?:l| la)?|gouvernement (?:du|de la|de l'|de|des)|"
    r"republic of|republica de(?:l| la)?|republique (?:du|de la|de l'|de|des)|"
    r"kingdom of|reino de|royaume (?:du|de la|de l'|de)|state of|estado de|etat (?:du|de))\s+"
    r"|\s*(?:공화국|정부|왕국)$"
)


@cache
def _country_index() -> tuple[dict[str, str], dict[str, str]]:
    """(name key -> alpha-2, upper-case code -> alpha-2), built once on first use."""
    names: dict[str, str] = {}
    codes: dict[str, str] = dict(_COUNTRY_ABBREVIATIONS)
    iso = {c.alpha_2 for c in pycountry.countries}

    def add(name: str, alpha_2: str) -> None:
        names.setdefault(_key(name), alpha_2)
        # "Myanmar (Burma)" is also "Myanmar" and "Burma".
        for part in re.split(r"[()]", name):
            if part.strip() and part != name:
                names.setdefault(_key(part), alpha_2)

    for c in pycountry.countries:
        codes[c.alpha_2] = codes[c.alpha_3] = c.alpha_2
        for attr in ("name", "official_name", "common_name"):
            if getattr(c, attr, None):
                add(getattr(c, attr), c.alpha_2)
    for lang in LANGUAGES:
        for code, name in Locale(lang).territories.items():
            if code in iso:
                add(name, code)
    for name, code in _COUNTRY_ALIASES.items():
        names[_key(name)] = code
    return names, codes


def country(value: str) -> str | None:
    """"Pérou", "Republic of Peru", "페루", "PER" -> "PE"."""
    if not isinstance(value, str):
        return None
    text = value.strip().strip(".")
    names, codes = _country_index()
    if text in codes:
        return codes[text]
    candidates = [text, re.sub(r"\(.*?\)", " ", text)]
    # "Cusco, Peru" or "Peru / Pérou": any one part may be the country.
    candidates += reversed(re.split(r"[,/;]", text))
    for candidate in candidates:
        folded = fold(candidate).strip()
        if candidate.strip() in codes:
            return codes[candidate.strip()]
        for _ in range(5):  # "the Government of the Republic of ..."
            hit = names.get(_key(folded))
            if hit:
                return hit
            stripped = _COUNTRY_NOISE.sub("", folded).strip()
            if stripped == folded:
                break
            folded = stripped
    return None


# --- single and multiple choices ----------------------------------------------

_ORGANIZATION_TYPES = {
    "local_government": (
        "local government", "city government", "municipal government", "metropolitan government",
        "provincial government", "regional government", "state government", "district government",
        "municipality", "provincial municipality", "municipal", "city", "city hall", "city council",
        "town council", "province", "county", "prefecture", "governorate", "subnational government",
        "gobierno local", "gobierno municipal", "gobierno regional", "gobierno provincial",
        "municipalidad", "municipio", "alcaldia", "ayuntamiento", "intendencia", "gobernacion",
        "collectivite locale", "collectivite territoriale", "gouvernement local", "municipalite",
        "commune", "mairie", "ville", "region", "conseil regional", "gouvernorat",
        "지방정부", "지자체", "지방자치단체", "시청", "시 정부", "도청", "주정부", "군청", "구청", "광역시",
    ),
    "central_government": (
        "central government", "national government", "federal government", "government", "ministry",
        "minister", "presidency", "office of the president", "prime minister's office",
        "gobierno central", "gobierno nacional", "gobierno federal", "ministerio", "presidencia",
        "gouvernement", "gouvernement central", "gouvernement national", "ministere", "presidence",
        "중앙정부", "정부", "정부 부처", "부처", "연방정부", "중앙 부처",
    ),
    "public_institution": (
        "public institution", "public agency", "government agency", "public body", "public authority",
        "agency", "authority", "institute", "commission", "public entity",
        "institucion publica", "entidad publica", "organismo publico", "agencia", "instituto",
        "etablissement public", "organisme public", "institution publique", "agence",
        "공공기관", "공공 기관", "공단", "위원회", "정부기관", "정부 기관",
    ),
    "public_enterprise": (
        "public enterprise", "state owned enterprise", "state owned company", "state owned",
        "state enterprise", "soe", "public corporation", "public company", "government owned",
        "public utility", "municipal company", "municipal enterprise", "city owned company",
        "empresa publica", "empresa estatal", "empresa del estado", "empresa municipal",
        "entreprise publique", "societe d'etat", "entreprise d'etat", "societe publique",
        "공기업", "공사", "국영기업", "국영 기업", "지방공기업",
    ),
    "international_organization": (
        "international organization", "international organisation", "world bank",
        "inter american development bank", "idb", "asian development bank", "adb",
        "african development bank", "afdb", "multilateral development bank", "mdb", "united nations",
        "un habitat", "undp", "organismo internacional", "organizacion internacional", "banco mundial",
        "bid", "banco interamericano de desarrollo", "organisation internationale", "banque mondiale",
        "banque africaine de developpement", "국제기구", "국제 기구", "세계은행", "국제기관",
    ),
    "private_company": (
        "private company", "private sector", "private firm", "private enterprise", "company", "firm",
        "consulting firm", "startup", "empresa privada", "sector privado", "empresa", "compania",
        "entreprise privee", "societe privee", "secteur prive", "entreprise", "societe",
        "민간기업", "민간 기업", "기업", "회사", "사기업", "민간",
    ),
    "other": (
        "other", "university", "ngo", "non governmental organization", "non governmental organisation",
        "academic", "research institute", "foundation", "association", "otro", "otra", "universidad",
        "ong", "fundacion", "asociacion", "autre", "universite", "fondation",
        "기타", "대학", "대학교", "비정부기구", "협회", "재단", "연구소",
    ),
}
_CATEGORIES = {
    "urban_development": (
        "urban development", "urban development project", "new city", "new town", "smart city development",
        "desarrollo urbano", "nueva ciudad", "developpement urbain", "amenagement urbain", "ville nouvelle",
        "도시개발", "도시 개발", "신도시", "도시개발사업",
    ),
    "smart_solution": (
        "smart solution", "smart solutions", "solution development", "solution", "solutions",
        "smart city solution", "solucion", "soluciones", "solucion inteligente", "soluciones inteligentes",
        "desarrollo de soluciones", "solution intelligente", "solutions intelligentes",
        "developpement de solutions", "스마트 솔루션", "솔루션", "스마트솔루션", "솔루션 개발",
    ),
}
_STATUSES = {
    "new": (
        "new", "new project", "planned", "proposed", "not started", "not yet started",
        "nuevo", "nueva", "propuesto", "nouveau", "nouvelle", "propose", "신규", "새로운", "계획",
    ),
    "ongoing": (
        "ongoing", "on going", "underway", "under way", "existing", "in progress", "in implementation",
        "under construction", "en curso", "en ejecucion", "en marcha", "existente", "en cours",
        "existant", "en execution", "진행 중", "진행중", "추진 중", "추진중", "기존", "시행 중",
    ),
}
_SECTORS = {
    "administration": (
        "administration", "public administration", "e government", "governance", "administracion",
        "gobierno electronico", "gobierno digital", "administration publique", "행정", "전자정부",
    ),
    "transportation": (
        "transportation", "transport", "mobility", "traffic", "smart mobility", "parking",
        "transporte", "movilidad", "trafico", "transito", "mobilite", "circulation", "trafic",
        "교통", "모빌리티", "대중교통",
    ),
    "public_health": (
        "public health", "health", "healthcare", "health care", "medical", "salud", "salud publica",
        "sante", "sante publique", "보건", "의료", "보건의료", "건강",
    ),
    "welfare": (
        "welfare", "social welfare", "social services", "bienestar", "bienestar social", "bien etre",
        "protection sociale", "복지", "사회복지",
    ),
    "environment": (
        "environment", "air quality", "waste", "solid waste", "climate", "medio ambiente", "ambiente",
        "residuos", "environnement", "dechets", "환경", "폐기물", "기후",
    ),
    "energy": ("energy", "electricity", "power", "smart grid", "renewable energy", "energia", "energie", "에너지", "전력"),
    "water_resources": (
        "water resources", "water", "water management", "water resources management", "sanitation",
        "wastewater", "drainage", "recursos hidricos", "agua", "saneamiento", "ressources en eau",
        "eau", "assainissement", "수자원", "물관리", "물 관리", "상하수도", "상수도", "하수도",
    ),
    "security": (
        "security", "safety", "public safety", "disaster management", "crime prevention", "cctv",
        "seguridad", "securite", "surete", "안전", "보안", "방범", "재난", "치안",
    ),
    "education": ("education", "educacion", "enseignement", "교육"),
    "culture": (
        "culture", "tourism", "heritage", "cultura", "turismo", "patrimonio", "tourisme", "patrimoine", "문화", "관광",
    ),
}
_SUPPORT_TYPES = {
    "concept_plan": (
        "concept plan", "conceptual plan", "concept study", "plan conceptual", "plan de concepto",
        "plan conceptuel", "구상", "기본구상", "개념 계획", "구상 계획",
    ),
    "master_plan": (
        "master plan", "masterplan", "mp", "plan maestro", "plan director", "plan directeur",
        "schema directeur", "마스터플랜", "마스터 플랜", "기본계획", "기본 계획", "종합계획",
    ),
    "pre_feasibility_study": (
        "pre feasibility study", "pre feasibility", "prefeasibility", "prefeasibility study",
        "pre fs", "pfs", "estudio de prefactibilidad", "prefactibilidad", "pre factibilidad",
        "etude de prefaisabilite", "prefaisabilite", "pre faisabilite",
        "예비타당성", "예비타당성조사", "예비 타당성", "예타", "사전타당성", "사전 타당성",
    ),
    "feasibility_study": (
        "feasibility study", "feasibility", "fs", "estudio de factibilidad", "factibilidad",
        "estudio de viabilidad", "viabilidad", "etude de faisabilite", "faisabilite",
        "타당성조사", "타당성 조사", "타당성",
    ),
}
_SYNONYMS = {
    "applicant.organization_type": _ORGANIZATION_TYPES,
    "project.category": _CATEGORIES,
    "project.status": _STATUSES,
    "project.sectors": _SECTORS,
    "support.requested": _SUPPORT_TYPES,
}

# "F/S", "M/P": single letters around a slash are one abbreviation, not two items.
_SLASHED_ABBREVIATION = re.compile(r"(?<![^\W\d_])([^\W\d_])\s*/\s*([^\W\d_])(?![^\W\d_])")


_NOT_WORD = re.compile(r"[^\w']+|_")
_HANGUL_SPACE = re.compile(r"(?<=[가-힣]) (?=[가-힣])")


def _words(text: str) -> str:
    """Folded words separated by single spaces: "State-owned  Company" -> "state owned company"."""
    folded = fold(text)
    if "/" in folded:
        folded = _SLASHED_ABBREVIATION.sub(r"\1\2", folded)
    spaced = " ".join(_NOT_WORD.sub(" ", folded).split())
    # Korean spacing varies ("진행 중", "진행중"): compare Hangul without it.
    return spaced if spaced.isascii() else _HANGUL_SPACE.sub("", spaced)


@cache
def _matcher(code: str) -> tuple[re.Pattern, dict[str, str]]:
    """One regex over a field's synonyms (longest first) and synonym -> choice code."""
    by_words: dict[str, str] = {}
    for choice_code, synonyms in _SYNONYMS[code].items():
        for synonym in (choice_code, *synonyms):
            by_words.setdefault(_words(synonym), choice_code)
    # Latin words must be whole ("its" is not in "transits"); Hangul compounds have
    # no spaces ("대중교통" holds "교통"), and a-z0-9 never borders them anyway.
    return re.compile(rf"(?<![a-z0-9]){alternation(by_words)}(?![a-z0-9])"), by_words


def _find(code: str, words: str) -> list[str]:
    """The choice codes named in ``words`` (from _words), in order."""
    pattern, codes = _matcher(code)
    return [codes[m.group()] for m in pattern.finditer(words)]


def choice_words(text: str) -> str:
    """``text`` as the choice finders read it: folded words, single spaces, Hangul unspaced."""
    return _words(text)


def choices_named(code: str, words: str) -> list[str]:
    """Every choice of field ``code`` that ``words`` (from ``choice_words``) names, in order, repeats kept."""
    return _find(code, words)


def best_choice_named(code: str, words: str) -> str | None:
    """The choice named by the longest phrase in ``words``: "state owned company" over "company"."""
    pattern, codes = _matcher(code)
    matches = [m.group() for m in pattern.finditer(words)]
    return codes[max(matches, key=len)] if matches else None


def country_named(words: list[str], *, max_words: int = 4, skip: frozenset[str] = frozenset()) -> str | None:
    """The first country whose name (up to ``max_words`` words long) runs in ``words``; codes in ``skip`` ignored."""
    names, _ = _country_index()
    for start in range(len(words)):
        for size in range(min(max_words, len(words) - start), 0, -1):
            key = _key("".join(words[start : start + size]))
            code = names.get(key)
            if code and code not in skip and len(key) > 3:
                return code
    return None


def country_code(token: str) -> str | None:
    """A country for an ISO code or a known abbreviation written in capitals ("PER", "USA")."""
    return _country_index()[1].get(token)


def choice(code: str, value: str) -> str | None:
    """A single choice ("Municipalidad" -> "local_government"); the longest phrase wins,
    so "state-owned company" is a public enterprise, not a private company."""
    if code not in _SYNONYMS or not isinstance(value, str):
        return None
    pattern, codes = _matcher(code)
    matches = [m.group() for m in pattern.finditer(_words(value))]
    if not matches:
        return None
    return codes[max(matches, key=len)]  # max keeps the first of equals


# Between items: commas, semicolons, and/y/et/및, slashes, ampersands, new lines,
# bullets and the Korean middle dot ("교통·환경").
_ITEM_SEPARATORS = re.compile(
    r"[,;/&+\n、，；·•▪◦‣●○■□◆\u2022]|\s(?:and|y|e|et|ou|or|o)\s|및|그리고|\s-\s|^\s*[-*]\s",
    re.IGNORECASE | re.MULTILINE,
)
_ITEM_NOISE = re.compile(r"^[\s\-*.)(\d]*|[\s.]*$")


def choices(code: str, value: str) -> list[str] | None:
    """Several choices ("Transporte y medio ambiente" -> ["transportation", "environment"]).

    Items we cannot map stay in the list as written, so validation can name them."""
    if code not in _SYNONYMS or not isinstance(value, str):
        return None
    # Keep "F/S" whole before splitting on slashes.
    text = _SLASHED_ABBREVIATION.sub(r"\1\2", value)
    result: list[str] = []
    for item in _ITEM_SEPARATORS.split(text):
        item = _ITEM_NOISE.sub("", item)
        words = _words(item)
        if not words or words in ("etc", "etc etc", "등", "y otros", "et autres"):
            continue
        found = _find(code, words) or [item]
        result += [c for c in found if c not in result]
    return result or None


# --- yes / no ----------------------------------------------------------------

_YES = {
    "yes", "y", "yeah", "yep", "true", "si", "oui", "o", "ok", "1", "requested", "needed",
    "예", "네", "있음", "희망", "필요",
}
_NO = {
    "no", "n", "nope", "false", "non", "x", "0", "not", "none", "ninguno", "aucun",
    "아니오", "아니요", "아니", "없음", "불필요", "미희망",
}
# "Yes / No" left as printed ("yes no" once slashes are spaces).
_UNDECIDED = re.compile(r"^(?:yes|y|si|oui|예|네) (?:(?:or|o|ou|또는) )?(?:no|n|non|아니오|아니요)\b")


def yes_no(value) -> bool | None:
    """"Yes, for 5 officials" -> True; "아니오" -> False; "Yes / No" (left as printed) -> None."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    words = _words(value)
    if _UNDECIDED.match(words):
        return None
    first = words.split(" ", 1)[0] if words else ""
    if first in _YES:
        return True
    if first in _NO:
        return False
    # Korean answers are often whole sentences: "필요함", "희망합니다", "불필요합니다".
    for prefix, answer in (("불필요", False), ("미희망", False), ("필요", True), ("희망", True)):
        if first.startswith(prefix):
            return answer
    return None


# --- amounts -----------------------------------------------------------------

_CURRENCY_WORDS = {
    "krw": "KRW", "won": "KRW", "wons": "KRW", "wones": "KRW", "원": "KRW", "₩": "KRW",
    "usd": "USD", "us$": "USD", "$": "USD", "dollar": "USD", "dollars": "USD", "dolar": "USD",
    "dolares": "USD", "달러": "USD",
    "eur": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR", "유로": "EUR",
}
# Big units end a group ("8억 5천만"); a bigger one straight after multiplies it ("mil millones").
_BIG_UNITS = {
    "조": 10**12, "억": 10**8, "만": 10**4,
    "thousand": 10**3, "k": 10**3, "mil": 10**3, "mille": 10**3, "miles": 10**3,
    "million": 10**6, "millions": 10**6, "mn": 10**6, "m": 10**6, "mm": 10**6, "mio": 10**6,
    "millon": 10**6, "millones": 10**6,
    "billion": 10**9, "billions": 10**9, "bn": 10**9, "b": 10**9, "milliard": 10**9, "milliards": 10**9,
    "trillion": 10**12,
}
_SMALL_UNITS = {"천": 1000, "백": 100, "십": 10}
_WORD_NUMBERS = {"one": 1, "a": 1, "un": 1, "uno": 1, "una": 1, "une": 1}
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:(?P<sep>[ ',.])\d{3})(?:(?P=sep)\d{3})*(?:[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?)"
    r"|(?P<sym>us\$|[$₩€])"
    r"|(?P<unit>[조억만천백십원]|달러|유로)"
    r"|(?P<word>[^\W\d_]+)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.IGNORECASE,
)
_FILLERS = {"de", "of", "d", "en", "in"}


def _decimal(number: str) -> Decimal:
    """"850.000" and "850,000" are thousands; "0.85" and "1,5" are fractions."""
    digits = number.replace(" ", "").replace("'", "")
    marks = [c for c in digits if c in ".,"]
    if len(set(marks)) == 2:
        decimal_mark = digits[max(digits.rfind("."), digits.rfind(","))]
        digits = digits.replace("," if decimal_mark == "." else ".", "").replace(",", ".")
    elif len(marks) > 1:
        digits = digits.replace(marks[0], "")
    elif marks:
        whole, fraction = digits.split(marks[0])
        thousands = len(fraction) == 3 and whole.lstrip("0") != ""
        digits = whole + fraction if thousands else f"{whole}.{fraction}"
    return Decimal(digits)


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs; kinds: num, cur, big, small, wordnum, word, other. Spaces dropped."""
    out = []
    for m in _TOKEN.finditer(unicodedata.normalize("NFKC", text)):
        kind, raw = m.lastgroup, m.group()
        if kind == "space":
            continue
        word = fold(raw)
        if kind in ("sym", "unit", "word") and word in _CURRENCY_WORDS:
            kind, raw = "cur", _CURRENCY_WORDS[word]
        elif kind == "word" and raw.isupper() and len(raw) == 3 and pycountry.currencies.get(alpha_3=raw):
            kind = "cur"
        elif kind in ("unit", "word") and word in _BIG_UNITS:
            kind, raw = "big", word
        elif kind == "unit" and word in _SMALL_UNITS:
            kind, raw = "small", word
        elif kind == "word" and word in _WORD_NUMBERS:
            kind, raw = "wordnum", word
        out.append((kind, raw))
    return out


def _evaluate(run: list[tuple[str, str]]) -> Decimal:
    """Sum groups the Korean way (8억 5천만 = 8×10^8 + 5×10^3×10^4); "1.2 million" is one group."""
    total = section = Decimal(0)
    number: Decimal | None = None
    last_group, last_unit = Decimal(0), 0
    for kind, raw in run:
        if kind == "num":
            number = _decimal(raw)
        elif kind == "wordnum":
            number = Decimal(_WORD_NUMBERS[raw])
        elif kind == "small":
            section += (number if number is not None else 1) * _SMALL_UNITS[raw]
            number = None
        elif kind == "big":
            unit = _BIG_UNITS[raw]
            if section == 0 and number is None and last_unit and unit > last_unit:
                total += last_group * (unit - 1)  # "mil millones": the thousand becomes 10^9
                last_group *= unit
            else:
                group = section + (number if number is not None else 0)
                last_group = (group if section or number is not None else Decimal(1)) * unit
                total += last_group
            last_unit, section, number = unit, Decimal(0), None
    return total + section + (number or 0)


def _first_run(tokens: list[tuple[str, str]]) -> tuple[int, int] | None:
    """Indices [start, end) of the first run of number tokens holding a digit or a Latin numeral."""
    numeric = ("num", "wordnum", "big", "small")
    i = 0
    while i < len(tokens):
        if tokens[i][0] not in numeric:
            i += 1
            continue
        end = i
        while end < len(tokens) and tokens[end][0] in numeric:
            end += 1
        j = end
        while j > i and tokens[j - 1][0] == "wordnum":  # "800 million a year"
            j -= 1
        run = tokens[i:j]
        # "mil millones" counts, a lone "만" inside a word does not; "a" or "un" must lead a unit.
        if any(k == "num" for k, _ in run) or (
            any(k == "big" and r.isascii() for k, r in run) and run[0][0] in ("wordnum", "big")
        ):
            return i, j
        i = end
    return None


def _currency_near(tokens: list[tuple[str, str]], start: int, end: int) -> str | None:
    if start > 0 and tokens[start - 1][0] == "cur":
        return tokens[start - 1][1]
    after = tokens[end:end + 2]
    if after and after[0][0] == "cur":
        return after[0][1]
    if len(after) == 2 and fold(after[0][1]) in _FILLERS and after[1][0] == "cur":
        return after[1][1]
    return next((raw for kind, raw in tokens if kind == "cur"), None)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def amount(value) -> dict | None:
    """"10억원" -> {"amount": 1000000000, "currency": "KRW", "krw": 1000000000, "usd": 850000}.

    KRW and USD convert at the call's rate (RATE_CITATION); other currencies and
    bare numbers keep krw and usd None."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    tokens = _tokens(str(value)[:200])
    span = _first_run(tokens)
    if span is None:
        return None
    try:
        number = _evaluate(tokens[span[0]:span[1]])
    except InvalidOperation:
        return None
    if not number.is_finite() or number <= 0:
        return None
    currency = _currency_near(tokens, *span)
    krw = usd = None
    if currency == "KRW":
        krw, usd = number, number * RATE_USD / RATE_KRW
    elif currency == "USD":
        krw, usd = number * RATE_KRW / RATE_USD, number
    return {"amount": _number(number), "currency": currency, "krw": _whole(krw), "usd": _whole(usd)}


def _whole(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- phone and email ---------------------------------------------------------


def phone(value: str, country: str | None = None) -> str | None:
    """E.164 ("+5184123456"); numbers without "+" are read as the applicant country's."""
    if not isinstance(value, str) or not value.strip():
        return None
    region = country.upper() if isinstance(country, str) and len(country) == 2 else None
    try:
        number = phonenumbers.parse(value, region)
        if not phonenumbers.is_possible_number(number):
            raise phonenumbers.NumberParseException(0, "impossible")
    except phonenumbers.NumberParseException:
        # "Tel. +51 84 123 456 (office), 999 888 777 (mobile)": the first number in the text.
        match = next(iter(phonenumbers.PhoneNumberMatcher(value, region or "ZZ")), None)
        if match is None:
            return None
        number = match.number
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}|"
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9-]+\.)+xn--[a-z0-9-]+",
)


def email(value: str) -> str | None:
    """"Ana <mailto:Ana.Q@Muni.gob.pe>" -> "ana.q@muni.gob.pe"; the first address when several."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    bracketed = re.search(r"<([^<>]*)>", text)
    if bracketed:
        text = bracketed.group(1)
    text = re.sub(r"^\s*mailto:", "", text.strip(), flags=re.IGNORECASE)
    first = re.split(r"[\s,;]+", text.strip(" \t[]()\"'"), maxsplit=1)[0].rstrip(".")
    first = first.lower()
    return first if len(first) <= 254 and _EMAIL.fullmatch(first) else None


# --- by field ----------------------------------------------------------------


def field_value(code: str, raw, country_code: str | None = None):
    """``raw`` (text, or a JSON number, boolean or list) normalised for the field's kind.

    None when it cannot be normalised (the caller keeps ``raw``); text fields
    come back stripped. ``country_code`` is the applicant's, for phone numbers."""
    kind = FIELDS_BY_CODE[code].kind
    if isinstance(raw, list):
        raw = "\n".join(str(item) for item in raw if item is not None)
    if kind == "yes_no":
        return yes_no(raw)
    if kind == "amount":
        return amount(raw)
    if isinstance(raw, bool) or raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if kind == "country":
        return country(text)
    if kind == "choice":
        return choice(code, text)
    if kind == "choices":
        return choices(code, text)
    if kind == "email":
        return email(text)
    if kind == "phone":
        return phone(text, country_code)
    return text
