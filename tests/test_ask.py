"""One free question in, everything the desk says out: the answer, today's state of the call, a verdict."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from rules.answer import shipped_knowledge
from rules.ask import DATED_TOPICS, ask, call_sentence, topic_reply
from rules.form import LANGUAGES
from rules.timing import call_status

UTC = timezone.utc
IN_WINDOW = datetime(2020, 2, 10, 9, 0, tzinfo=UTC)  # 18:00 on 10 February in Seoul: 39 days left
LAST_DAY = datetime(2020, 3, 20, 3, 0, tzinfo=UTC)  # noon on 20 March in Seoul
BEFORE = datetime(2020, 1, 20, 3, 0, tzinfo=UTC)  # 11 days before opening
TODAY = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

DEADLINE = {
    "en": "When is the deadline for applications?",
    "ko": "신청 마감일은 언제인가요?",
    "es": "¿Cuál es la fecha límite para postular?",
    "fr": "Quelle est la date limite de candidature ?",
}
# The closing date as each language writes it, and how each says the days left.
CLOSES = {"en": "March 20, 2020", "ko": "2020년 3월 20일", "es": "20 de marzo de 2020", "fr": "20 mars 2020"}
DAYS_39 = {"en": "39 days", "ko": "39일", "es": "39 días", "fr": "39 jours"}
OPEN_WORDS = {"en": "The call is open", "ko": "공모가 진행 중", "es": "La convocatoria está abierta",
              "fr": "L'appel est ouvert"}
LAST_DAY_WORDS = {"en": "today is its last day", "ko": "오늘이 마감일", "es": "hoy es el último día",
                  "fr": "c'est aujourd'hui le dernier jour"}
NONE_OPEN = {"en": "No call is open today", "ko": "진행 중인 공모는 없습니다",
             "es": "no hay ninguna convocatoria abierta", "fr": "Aucun appel n'est ouvert aujourd'hui"}
TODAY_2026 = {"en": "May 1, 2026", "ko": "2026년 5월 1일", "es": "1 de mayo de 2026", "fr": "1 mai 2026"}
PERU = "We are a city government in Peru with a smart transport project, can we apply?"


def codes(reply) -> list[str]:
    return [r["code"] for r in reply.as_dict()["eligibility"]["reasons"]]


# --- the JSON shape ---------------------------------------------------------------------


def test_shape_without_a_case():
    data = ask(DEADLINE["en"], now=IN_WINDOW).as_dict()
    assert set(data) == {"answer", "language", "citations", "confidence", "topic"}
    assert isinstance(data["answer"], str) and data["answer"]
    assert data["language"] == "en"
    assert data["topic"] == "application_window"
    assert isinstance(data["citations"], list) and all(isinstance(c, str) for c in data["citations"])
    assert data["citations"]
    assert 0 < data["confidence"] <= 1
    assert json.loads(json.dumps(data)) == data


def test_shape_with_a_case():
    data = ask(PERU, now=IN_WINDOW).as_dict()
    assert set(data) == {"answer", "language", "citations", "confidence", "topic", "eligibility"}
    eligibility = data["eligibility"]
    assert set(eligibility) == {"status", "reasons", "missing", "case"}
    assert eligibility["case"] == {
        "applicant": {"organization_type": "local_government", "country": "PE"},
        "project": {"sectors": ["transportation"], "category": "smart_solution"},
    }
    assert json.loads(json.dumps(data)) == data


def test_reason_in_json_carries_code_message_citation_blocking():
    data = ask("We are a private company from Vietnam, can we apply?", now=IN_WINDOW).as_dict()
    (reason,) = data["eligibility"]["reasons"]
    assert set(reason) == {"code", "message", "citation", "blocking"}
    assert reason["blocking"] is True
    assert "private-sector only participation not allowed" in reason["citation"]


# --- dated answers --------------------------------------------------------------------------


def test_deadline_topic_is_dated():
    assert "application_window" in DATED_TOPICS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_deadline_in_the_window_says_open_with_days_left(lang):
    reply = ask(DEADLINE[lang], now=IN_WINDOW)
    assert reply.language == lang
    assert reply.answer.topic == "application_window"
    assert OPEN_WORDS[lang] in reply.text
    assert DAYS_39[lang] in reply.text
    assert CLOSES[lang] in reply.text
    assert reply.text.endswith(call_sentence(call_status(IN_WINDOW), lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_deadline_on_the_last_day(lang):
    reply = ask(DEADLINE[lang], now=LAST_DAY)
    assert LAST_DAY_WORDS[lang] in reply.text
    assert CLOSES[lang] in reply.text
    assert DAYS_39[lang] not in reply.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_deadline_in_2026_says_no_call_is_open(lang):
    reply = ask(DEADLINE[lang], now=TODAY)
    assert NONE_OPEN[lang] in reply.text
    assert TODAY_2026[lang] in reply.text
    assert CLOSES[lang] in reply.text  # when the last call closed
    assert OPEN_WORDS[lang] not in reply.text
    assert "www.molit.go.kr" in reply.text


def test_deadline_before_opening_counts_days_until_open():
    reply = ask(DEADLINE["en"], now=BEFORE)
    assert "No call is open today (January 20, 2020)" in reply.text
    assert "opens on January 31, 2020, in 11 days" in reply.text


def test_how_to_submit_is_dated_too():
    reply = ask("Can I send the application form by post?", now=TODAY)
    assert reply.answer.topic == "how_to_submit"
    assert "No call is open today" in reply.text


def test_undated_topic_gets_no_date_sentence():
    reply = ask("What is the maximum amount of money per project?", now=TODAY)
    assert reply.answer.topic == "funding_cap"
    assert "No call is open" not in reply.text


def test_selection_timeline_after_the_call_says_it_has_closed():
    reply = ask("When will you announce which projects were selected?", now=TODAY)
    assert reply.answer.topic == "selection_timeline"
    assert "These steps were the 2020 call's; that call has closed." in reply.text
    reply = ask("When will you announce which projects were selected?", now=IN_WINDOW)
    assert "that call has closed" not in reply.text


# --- a case in the question ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "status", "reason_codes"),
    [
        ("We are a private company from Vietnam, can we apply?", "ineligible", ["applicant_private_only"]),
        ("Somos una empresa privada de Colombia, ¿podemos postular?", "ineligible", ["applicant_private_only"]),
        ("We are a Korean city, can we apply?", "ineligible", ["country_korea"]),
        ("우리는 한국 지자체입니다. 신청 가능한가요?", "ineligible", ["country_korea"]),
        ("Can our university in Kenya apply?", "needs_review", ["applicant_type_not_covered"]),
        ("Nous sommes une université au Maroc, pouvons-nous candidater ?", "needs_review",
         ["applicant_type_not_covered"]),
        (PERU, "eligible", []),
        ("We are a city government in Peru and would ask for 2 billion KRW for a master plan. Is that possible?",
         "needs_review", ["over_cap"]),
        ("We are a city government in Peru and would ask for USD 1,200,000 for a master plan.",
         "needs_review", ["over_cap"]),
    ],
)
def test_case_question_gets_a_verdict(question, status, reason_codes):
    reply = ask(question, now=IN_WINDOW)
    assert reply.eligibility is not None
    assert reply.as_dict()["eligibility"]["status"] == status
    assert codes(reply) == reason_codes


def test_the_peru_example_says_it_fits():
    reply = ask(PERU, now=IN_WINDOW)
    assert reply.eligibility.status == "eligible"
    assert "What your message says: Country: Peru; Organization type: local government" in reply.text
    assert "From what you told me, the project fits the call." in reply.text
    assert reply.known


def test_private_company_verdict_in_spanish_quotes_the_call():
    reply = ask("Somos una empresa privada de Colombia, ¿podemos postular?", now=IN_WINDOW)
    assert reply.language == "es"
    assert "esta solicitud no sería elegible" in reply.text
    assert "una empresa privada no puede postular por sí sola" in reply.text
    assert "La convocatoria: “However, in order to secure the strong initiative" in reply.text


def test_over_cap_verdict_quotes_the_cap_sentence():
    reply = ask("We are a city government in Peru and would ask for 2 billion KRW for a master plan.",
                now=IN_WINDOW)
    assert "up to KRW 1,000,000,000 (USD 850,000) per project" in reply.text
    assert "you would ask for KRW 2,000,000,000" in reply.text
    assert "“Korea plans to allocate up to one billion KRW or 0.85 million USD per project.”" in reply.text


def test_university_reason_reads_as_english():
    # Not "whether other can apply": the kind is named in brackets after a whole sentence.
    reply = ask("Can our university in Kenya apply?", now=IN_WINDOW)
    assert "it does not say whether this kind of organization (other) can apply" in reply.text


def test_a_foreign_city_asking_about_training_in_korea_is_not_korean():
    reply = ask("We are a city government in Peru and would like training in Korea, can we apply?", now=IN_WINDOW)
    assert reply.eligibility is not None
    assert "country_korea" not in codes(reply)
    assert reply.case["applicant"]["country"] == "PE"


def test_a_sector_alone_asks_about_the_call_not_a_case():
    # rules/ask.py: '"Is transport covered?" names a sector but asks about the call'.
    reply = ask("Is transport covered?", now=IN_WINDOW)
    assert reply.answer.topic == "solution_sectors"
    assert "eligibility" not in reply.as_dict()
    assert "I cannot tell yet" not in reply.text


# --- unrelated questions ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unrelated_question_gets_the_fallback_and_no_eligibility(lang):
    question = {
        "en": "Can you give me a recipe for chocolate cake?",
        "ko": "김치 만드는 법 알려주세요",
        "es": "¿Quién ganó el partido de fútbol ayer?",
        "fr": "Quel temps fait-il à Lyon demain ?",
    }[lang]
    reply = ask(question, now=IN_WINDOW)
    data = reply.as_dict()
    assert "eligibility" not in data
    assert data["topic"] is None
    assert data["citations"] == []
    assert data["language"] == lang
    assert data["answer"] == shipped_knowledge().fallback[lang]
    assert not reply.known


# --- language -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_answers_in_the_questions_language(lang):
    assert ask(DEADLINE[lang], now=IN_WINDOW).language == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lang_given_wins(lang):
    reply = ask(DEADLINE["en"], now=IN_WINDOW, lang=lang)
    assert reply.language == lang
    assert DAYS_39[lang] in reply.text
    assert reply.text.endswith(call_sentence(call_status(IN_WINDOW), lang))


def test_verdict_in_the_given_language():
    reply = ask("We are a private company from Vietnam, can we apply?", now=IN_WINDOW, lang="ko")
    assert reply.language == "ko"
    assert "민간기업은 단독으로 신청할 수 없습니다" in reply.text
    assert "말씀하신 내용:" in reply.text


def test_an_unsure_reply_lists_its_suggestions_and_a_picked_topic_is_answered_for_today():
    data = ask("Tell me about the money side", now=IN_WINDOW).as_dict()
    assert data["topic"] is None and data["suggestions"] == ["funding_cap", "ppp_pis_fund"]
    assert "suggestions" not in ask("Who can apply?", now=IN_WINDOW).as_dict()
    picked = topic_reply("application_window", now=IN_WINDOW, lang="es")
    assert picked.answer.topic == "application_window" and "39 días" in picked.text
    assert picked.known and picked.language == "es"
