"""How a question becomes tokens: the words the BM25 index and the knowledge base's rules see.

Latin script gives lowercased, accent-folded words minus stopwords, their plural dropped, cut to
their first ``_PREFIX`` letters (a crude stem for English, Spanish and French alike); Hangul gives
the character 2- and 3-grams of each word stripped of its endings and particles. The concept table
(``Concepts``, built from the ``concepts`` of rules/knowledge.yaml) turns words and phrases of any
language into one token per concept (``#name``), and a spell checker (rules/spelling.py) may first
correct each Latin word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from rules.spelling import edits

__all__ = ["OFFTOPIC", "Concepts", "fold_accents", "latin_words", "tokenize", "word_tokens"]

# The token of the ``offtopic`` concept of rules/knowledge.yaml (what a question to the desk is not
# about though it shares words with the call): a Korean word holding it is that token alone.
OFFTOPIC = "#offtopic"
_PREFIX = 6  # Latin words are cut to this many letters: selected ~ selection, candidature ~ candidater

_LATIN_RUN = re.compile(r"[^\W\d_\uac00-\ud7a3]+")
_TOKEN = re.compile(r"[\uac00-\ud7a3]+|[^\W\d_\uac00-\ud7a3]+|\d+")
# Function words that would let unrelated questions match; Hangul needs none (n-grams).
# Also the words every question about the call shares (project, program, city, smart),
# verbs of asking for help (they say nothing about which topic: "help with my homework"),
# words pointing at the call or at a question (mentioned in the communiqué, please explain,
# "mi consulta": no commune, no technical advice), and the courtesies of an official letter
# (dear sir, kindly, on behalf of, quedo atento, je vous remercie).
_STOPWORDS = frozenset(
    """a an the of to in on for and or is are be can could may do does we our us i my you your it
    this that with what which who when where how there any by from at as will would should s me
    has have had been was were am did its their they them these those if so than then also into
    must need want like know exactly just under whether obtain obtener conseguir obtenir
    tell please about project program programme city call smart network kcity cooperation
    exist exists existe existen existent existait
    help helping assist
    dear sir sirs madam kindly regards hello hi thanks thank greetings writing behalf confirm good morning
    afternoon evening team colleague colleagues sincerely
    subject re best respectfully faithfully yours internal case cases
    wondering wonder advise clarify inform let considering explain
    yes yeah ok okay not wanted global up something anything else thing things
    quisiera quisieramos gustaria saber indicar indicarnos aclarar dias dia estamos somos noches
    je j me moi suis sommes pourriez pourriez preciser indiquer souhaite souhaitons souhaiterait souhaiterions
    aimerais aimerions savoir
    mention mentioned menciona mencionan mencionado mencionada mencionados mencionadas mentionne mentionnee mentionnes
    mentionnees communique comunicado expliquer expliquez explique ni seran seria serian
    question questions consulta consultas pregunta preguntas
    quedo quedamos atento atenta atentos atentas antemano agradezco agradecemos agradeceria
    agradeceriamos remercie remercions remerciant appreciate grateful aura auront aurait auraient
    regarding concerning respecto concernant detailler detaillez detallar detallarnos detallen citee citees
    el la los las de del y o en un una es son se que por para con nuestro nuestra como cual
    quien cuando donde cuanto hay puede pueden podemos lo al su sus ser esta este ayer
    puedes podria podrian debe deben hacer mi mis tu tus fue sido ha han si exactamente
    proyecto programa ciudad convocatoria inteligente cooperacion
    nos sobre tiene tienen tener tenemos estan estaria algun alguna algunos algunas
    ayudar ayudarnos ayudarme
    porque pero tambien solo solamente mas menos esto eso muy quiero queria queremos mismo misma mismos mismas
    ningun ninguna ningunos habra habran traves aproximadamente approximately roughly
    estimado estimada senor senora senore escribo saludo gracias favor hola buenos buenas tardes nombre
    asunto atentamente saludos cordiales cordial muchas muchos mucha mucho interno interna internos internas caso casos
    le les des du et ou au aux un une est sont pour avec nous notre vous votre qui quel quelle
    quels quelles ce il elle d l t y quand comment combien peut pouvons faut dans sur pas ne
    pouvez peuvent pourrait pourrions pourrons pourra pourront pourrais doit doivent faire
    mes mon ma ses son sa leur cette cet ces
    etre ete avoir ont sera seront si qu on concretement
    projet ville appel intelligent intelligente
    aider mais aussi egalement seulement meme alors oui voila donc tres globale ici ils elles ceux celles
    aucun aucune environ peu pres fois pendant lequel laquelle lesquels lesquelles dont quoi
    voudrais voudrait voudrions veux voulons
    madame monsieur bonjour bonsoir salut merci cordialement objet veuillez agreer expression salutations
    distinguees distinguee respectueuses interne internes cas""".split()
)
# Korean endings and particles stripped from a word before n-grams (at most twice, stem >= 2).
_KO_SUFFIXES = tuple(
    sorted(
        """하나요 되나요 입니까 습니까 합니까 인가요 한가요 할까요 주세요 이에요 나요 가요 세요 해요 예요 까요 니까 인지
        주십시오 주시기 바랍니다 드립니다 합니다 습니다 입니다 됩니다 니다 는지요 지요 는지 을까요 면 이랑 랑
        하는 할 에서 으로 에게 부터 까지 는 은 을 를 이 가 도 에 로 의 와 과 요""".split(),
        key=len,
        reverse=True,
    )
)
# Stems too common in questions to tell topics apart.
_KO_STOP = frozenset(
    "있나 되나 수 한 것 더 좀 및 등 그 이 저 제 뭐 있 없 하 되 할 돼 가능 어떻게 무엇 알려 누가 누구"
    " 저희 우리 확인 부탁 궁금 구체적 혹시 정확"
    " 저는 저희는 이번 하는데 있는데 있는지 하는지 될 될지 되는지 어느 정도 주세 주시"
    " 아니 있을 있는 하고 게 때 글로벌 프로그램 제목 드림 올림 귀하".split()
)
# Courtesies of a Korean letter, whatever their ending: 안녕하십니까, 감사하겠습니다, 여쭙니다.
_KO_COURTESY = ("안녕", "감사", "알려주", "여쭙", "여쭤", "문의드", "부탁드", "궁금")


def fold_accents(word: str) -> str:
    """``word`` without its accents: é ~ e, ñ ~ n."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def _ko_stem(word: str) -> str:
    for _ in range(2):
        for suffix in _KO_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


def _is_hangul(token: str) -> bool:
    return "\uac00" <= token[0] <= "\ud7a3"


def _fold_latin(text: str) -> str:
    """``text`` with the accents of its Latin words dropped (Hangul left whole)."""
    return _LATIN_RUN.sub(lambda m: fold_accents(m.group()), text)


def _word(run: str) -> str | None:
    """A Latin or digit run folded, its plural dropped; None for a stopword or a single letter."""
    word = fold_accents(run)
    if word in _STOPWORDS or len(word) < 2:
        return None
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]  # plural, crudely: applicants ~ applicant
        if word in _STOPWORDS:  # "projects" is "project"
            return None
    return word


def tokenize(text: str) -> list[str]:
    """Lowercased, accent-folded words minus stopwords, cut to their first letters (a crude
    stem for English, Spanish and French alike); Hangul runs as character 2- and 3-grams."""
    return [token for word in word_tokens(text) for token in word]


def word_tokens(
    text: str, spell: Callable[[str], str] | None = None, concepts: Concepts | None = None
) -> list[tuple[str, ...]]:
    """The tokens of ``text`` word by word (a Hangul word gives several n-grams);
    ``spell`` may first correct each whole Latin word, and ``concepts`` turn words and
    phrases into their concept's token."""
    words: list[tuple[str, ...]] = []
    text = text.lower()
    if concepts is not None:
        text = concepts.phrases(text)
    for match in _TOKEN.finditer(text):
        run = match.group()
        if _is_hangul(run):
            if run in _KO_SUFFIXES and match.start() and text[match.start() - 1].isalnum():
                continue  # a particle after a Latin word or a number: ADB와, PPP로
            stem = _ko_stem(run)
            found = concepts.hangul(run) if concepts is not None else ()
            if (stem in _KO_STOP or stem.startswith(_KO_COURTESY)) and not found:
                continue
            if OFFTOPIC in found:  # 관광비자: the visa, not whatever its n-grams share with the call
                words.append((OFFTOPIC,))
                continue
            grams = [stem] if len(stem) == 1 else []
            grams.extend(stem[i : i + n] for n in (2, 3) for i in range(len(stem) - n + 1))
            words.append((*found, *grams) if stem not in _KO_STOP else found)
        else:
            if concepts is not None and (token := concepts.exact.get(fold_accents(run))):
                words.append((token,))  # a concept's own word, even a function word (when, cuanto)
                continue
            word = _word(run)
            if word and spell is not None:
                word = spell(word)
            if word:
                key = word[:_PREFIX]
                words.append((concepts.latin_token(word) if concepts is not None else key,))
    return words


def latin_words(text: str) -> list[str]:
    """The Latin words of ``text`` as the tokenizer reads them (folded, plural dropped, stopwords out), uncut."""
    return [w for run in _TOKEN.findall(text.lower()) if not _is_hangul(run) and (w := _word(run))]


_SHORTEST = 4  # a concept's word this short or longer also matches inflected: email ~ emailed, mail ~ mailing
# Chosen by cross-validation over the three scored sets
# (tests/questions.yaml, questions_blind.yaml, questions_blind2.yaml: tune on two, test on the third).
_CONCEPT_EDITS: int | None = 4  # a word within this many edits of a concept's word is that concept


class Concepts:
    """Words and phrases of any language mapped to one token per concept (``#name``).

    A Latin word matches whole (function words too: "when" is a cue), else on its
    first ``_PREFIX`` letters after folding and plural dropping, as the tokenizer
    cuts it; a multi-word entry is a phrase, replaced by
    the concept's name in the folded text before tokenizing; a Hangul entry matches
    anywhere inside a Korean word (its n-grams stay as well), and a Hangul phrase
    matches its words in a row, whatever ending the last one takes (한국어 연수도)."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.latin: dict[str, str] = {}
        self._latin_surfaces: dict[str, list[str]] = {}
        self._latin_cache: dict[str, str] = {}
        self.exact: dict[str, str] = {}
        self._hangul: list[tuple[str, str]] = []
        phrases: dict[str, str] = {}
        self._hangul_phrases: list[tuple[str, str]] = []  # (words, concept name)
        for name, surfaces in table.items():
            token = "#" + name
            self.exact[name] = token  # the name, whole only ("publicentity" is not "public")
            for surface in surfaces:
                surface = _fold_latin(str(surface).lower())
                if _is_hangul(surface):
                    if " " in surface.strip():
                        self._hangul_phrases.append((" ".join(surface.split()), name))
                    else:
                        self._hangul.append((surface, token))
                    continue
                runs = _TOKEN.findall(surface)
                if len(runs) == 1 and runs[0] == surface:
                    self.exact.setdefault(surface, token)
                    # A plural cut to under four letters matches whole only: French "pays" is no "pay".
                    if (word := _word(surface)) and (word == surface or len(word) > 3):
                        if self.latin.setdefault(word[:_PREFIX], token) == token:
                            self._latin_surfaces.setdefault(word[:_PREFIX], []).append(word)
                else:
                    phrases[" ".join(runs)] = name
        for name in table:
            if self.exact.get(name) != "#" + name:
                raise ValueError(f"concept name {name!r} is another concept's word")
        # A Latin phrase ends where its last word does, even when a Korean particle follows (World Bank와);
        # a Hangul phrase takes the rest of its last word with it: the ending, not a word of its own.
        latin = "|".join(_phrase_pattern(p) for p in sorted(phrases, key=len, reverse=True))
        hangul = "|".join(_phrase_pattern(p) for p, _ in self._hangul_phrases)
        alternatives = ([rf"(?:{latin})(?![^\W_\uac00-\ud7a3])"] if latin else []) + (
            [rf"(?:{hangul})[\uac00-\ud7a3]*"] if hangul else [])
        self._phrase_re = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})") if alternatives else None
        self._phrase_name = phrases

    def latin_token(self, word: str) -> str:
        """The concept token of a folded Latin word, else the word cut to ``_PREFIX`` letters.

        Sharing the first letters is not enough when the words then part ways
        (contrato is no contrapartida, development no developer): the word must be
        within ``_CONCEPT_EDITS`` edits of one of the concept's words."""
        key = word[:_PREFIX]
        if (token := self._latin_cache.get(word)) is not None:
            return token
        token = key
        # A concept's short word inflected (emailed, mailing, started) shares fewer than _PREFIX letters with it.
        for cut in range(_PREFIX, _SHORTEST - 1, -1):
            if (stem := word[:cut]) in self.latin and (cut == _PREFIX or stem in self._latin_surfaces[stem]):
                if _CONCEPT_EDITS is None or any(edits(word, s) <= _CONCEPT_EDITS for s in self._latin_surfaces[stem]):
                    token = self.latin[stem]
                break
        if len(self._latin_cache) < 100_000:
            self._latin_cache[word] = token
        return token

    def phrases(self, text: str) -> str:
        text = _fold_latin(text)
        if self._phrase_re is None:
            return text
        # No space after the name: a Korean particle stays on it (World Bank와 -> mdb와), to be dropped.
        return self._phrase_re.sub(lambda m: f" {self._phrase_of(' '.join(_TOKEN.findall(m.group())))}", text)

    def _phrase_of(self, matched: str) -> str:
        if (name := self._phrase_name.get(matched)) is not None:
            return name
        return next(name for phrase, name in self._hangul_phrases if matched.startswith(phrase))

    def hangul(self, run: str) -> tuple[str, ...]:
        found = [(surface, token) for surface, token in self._hangul if surface in run]
        # 공기업 is a public enterprise, not a 기업 (company): the longest entry wins
        return tuple(dict.fromkeys(token for surface, token in found
                                   if not any(surface != other and surface in other for other, _ in found)))


def _phrase_pattern(phrase: str) -> str:
    """A regex for ``phrase``'s words in a row, whatever punctuation or spaces part them."""
    return r"\W+".join(map(re.escape, phrase.split()))
