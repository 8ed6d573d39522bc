"""What a free question says about the asker's own case, read as form answers."""

from __future__ import annotations

import pytest

from rules import form
from rules.case import read_case, stated

PERU = {
    "applicant": {"organization_type": "local_government", "country": "PE"},
    "project": {"category": "smart_solution", "sectors": ["transportation"]},
}


def flat(answers: dict) -> dict:
    return form.flatten(answers)


# --- the example and its translations ----------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "We are a city government in Peru with a smart transport project, can we apply?",
        "우리는 페루의 지방정부이며 스마트 교통 사업을 추진하고 있습니다. 신청할 수 있나요?",
        "페루 지방정부인데 스마트 교통 사업으로 신청할 수 있나요?",
        "Somos un gobierno municipal en Perú con un proyecto de transporte inteligente, ¿podemos postular?",
        "Nous sommes une municipalité du Pérou avec un projet de transport intelligent, pouvons-nous candidater ?",
    ],
)
def test_the_peru_example_in_every_language(question):
    assert flat(read_case(question)) == flat(PERU)


def test_stated_lists_codes_in_form_order():
    case = read_case("We are a city government in Peru with a smart transport project, can we apply?")
    assert stated(case) == ["applicant.country", "applicant.organization_type", "project.category",
                            "project.sectors"]


def test_stated_ignores_blank_answers():
    assert stated({"applicant": {"country": "", "organization_type": None}, "project": {"sectors": []}}) == []
    assert stated({}) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("We are a private company from Vietnam, can we apply?",
         {"applicant.organization_type": "private_company", "applicant.country": "VN"}),
        ("Our ministry in Indonesia wants a feasibility study for an urban development project.",
         {"applicant.organization_type": "central_government", "applicant.country": "ID",
          "project.category": "urban_development", "support.requested": ["feasibility_study"]}),
        ("Nous sommes une ville du Sénégal avec un projet en cours de gestion des déchets.",
         {"applicant.organization_type": "local_government", "applicant.country": "SN",
          "project.category": "smart_solution", "project.sectors": ["environment"], "project.status": "ongoing"}),
        ("Somos una empresa pública de Colombia y queremos un plan maestro.",
         {"applicant.organization_type": "public_enterprise", "applicant.country": "CO",
          "support.requested": ["master_plan"]}),
        ("Can a state owned company in Kenya apply?",
         {"applicant.organization_type": "public_enterprise", "applicant.country": "KE"}),
        ("우리는 베트남의 공기업입니다. 신청 가능한가요?",
         {"applicant.organization_type": "public_enterprise", "applicant.country": "VN"}),
    ],
)
def test_realistic_questions(question, expected):
    assert flat(read_case(question)) == expected


def test_longest_synonym_names_the_type():
    # "company" alone is private; "state owned company" is a public enterprise.
    assert form.get(read_case("We are a state owned company in Ghana"), "applicant.organization_type") == (
        "public_enterprise")


def test_sectors_imply_a_solution_project_but_not_over_a_stated_category():
    assert form.get(read_case("A smart transport project in Chile"), "project.category") == "smart_solution"
    case = read_case("An urban development project with transport in Chile")
    assert form.get(case, "project.category") == "urban_development"


# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "currency", "krw"),
    [
        ("We are a municipality in Colombia and would request USD 500,000 for a master plan.", "USD", 588235294),
        ("We are a municipality in Colombia and would request 2 billion KRW for a master plan.", "KRW", 2 * 10**9),
        ("콜롬비아 시청입니다. 20억 원을 요청하려고 합니다.", "KRW", 2 * 10**9),
        ("Somos una municipalidad de Chile y pedimos 1.200.000 dólares", "USD", 1411764706),
        ("Notre ministère au Bénin demande 1 million de dollars", "USD", 1176470588),
        ("Our ministry in Indonesia requests 800 million won", "KRW", 800_000_000),
    ],
)
def test_amount_with_currency(question, currency, krw):
    amount = form.get(read_case(question), "budget.requested_amount")
    assert amount is not None, question
    assert amount["currency"] == currency
    assert amount["krw"] == krw


@pytest.mark.parametrize(
    "question",
    [
        "Is the 2020 call still open?",
        "We have 3 sectors in our project",
        "We are a municipality in Peru with 3 sectors for the 2020 call",
        "2020년 공모에 3개 분야로 신청할 수 있나요?",
        "¿La convocatoria 2020 admite 3 sectores?",
        "L'appel 2020 accepte-t-il 3 secteurs ?",
    ],
)
def test_numbers_that_are_not_money_are_no_amount(question):
    assert form.get(read_case(question), "budget.requested_amount") is None


# --- no case ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "When does the call close?",
        "신청 마감일은 언제인가요?",
        "¿Cuándo cierra la convocatoria?",
        "Quelle est la date limite ?",
        "What's the weather in Paris?",
        "",
    ],
)
def test_a_question_naming_no_case_states_nothing(question):
    assert read_case(question) == {}


# --- Korea only when the asker is there ------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Can we get training in Korea?",
        "Is Korea the only place for training?",
        "한국에서 연수를 받을 수 있나요?",
        "¿Podemos recibir capacitación en Corea?",
        "Peut-on suivre une formation en Corée ?",
        "Do you accept applications from the Republic of Korea?",
    ],
)
def test_korea_named_is_not_the_askers_country(question):
    assert form.get(read_case(question), "applicant.country") is None


@pytest.mark.parametrize(
    "question",
    [
        "We are a Korean city, can we apply?",
        "We are a city in Korea",
        "I'm from South Korea and work for a municipality",
        "우리는 한국 지자체입니다. 신청 가능한가요?",
        "Somos una municipalidad de Corea",
        "Nous sommes une ville de Corée",
    ],
)
def test_korea_when_the_asker_says_they_are_there(question):
    assert form.get(read_case(question), "applicant.country") == "KR"


@pytest.mark.parametrize(
    ("question", "country"),
    [
        ("We are a city government in Peru and would like training in Korea, can we apply?", "PE"),
        ("Somos una municipalidad del Perú y queremos capacitación en Corea", "PE"),
        ("Nous sommes une ville du Sénégal et souhaitons une formation en Corée", "SN"),
    ],
)
def test_training_in_korea_does_not_make_a_foreign_city_korean(question, country):
    # The asker says where they are (Peru, Senegal); Korea is only where the training is.
    assert form.get(read_case(question), "applicant.country") == country


def test_a_country_name_holding_new_states_no_project_status():
    # "New" in Papua New Guinea is not a new project.
    case = read_case("Can a city in Papua New Guinea apply?")
    assert form.get(case, "applicant.country") == "PG"
    assert form.get(case, "project.status") is None


def test_iso_codes_in_capitals_but_not_currency_codes():
    assert form.get(read_case("We are a municipality in PER"), "applicant.country") == "PE"
    assert form.get(read_case("Can we ask 500 million KRW?"), "applicant.country") is None


@pytest.mark.parametrize(
    "question",
    [
        "Please find attached our application form for the K-City Network program.",
        "Can we get support for a smart city master plan?",
        "Is the K-City programme open to everyone?",
        "Pouvons-nous demander un plan pour une ville intelligente ?",
        "¿Podemos pedir apoyo para un plan de ciudad inteligente?",
        "스마트시티 마스터플랜 지원을 받을 수 있나요?",
    ],
)
def test_the_programs_own_names_do_not_make_the_asker_a_city(question):
    assert "applicant.organization_type" not in flat(read_case(question))


def test_a_city_that_says_so_is_still_read_beside_the_programs_name():
    case = flat(read_case("Our municipality wants a smart city master plan from K-City Network."))
    assert case["applicant.organization_type"] == "local_government"
    assert case["support.requested"] == ["master_plan"]
