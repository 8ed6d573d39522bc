"""rules.normalize: what applicants write, in four languages, to the form's values."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import normalize
from rules.form import FIELDS_BY_CODE
from rules.normalize import amount, choice, choices, country, email, field_value, phone, yes_no

# --- country -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, code",
    [
        ("Peru", "PE"),
        ("Republic of Peru", "PE"),
        ("the Government of the Republic of Peru", "PE"),
        ("Perú", "PE"),
        ("Pérou", "PE"),
        ("PERU", "PE"),
        ("페루", "PE"),
        ("페루 공화국", "PE"),
        ("Gobierno del Perú", "PE"),
        ("Cusco, Peru", "PE"),
        ("PE", "PE"),
        ("PER", "PE"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Việt Nam", "VN"),
        ("베트남", "VN"),
        ("Viêt Nam", "VN"),
        ("Lao PDR", "LA"),
        ("Laos", "LA"),
        ("Lao People's Democratic Republic", "LA"),
        ("라오스", "LA"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Turquía", "TR"),
        ("Turquie", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"),
        ("Ivory Coast", "CI"),
        ("인도네시아", "ID"),
        ("Republic of Indonesia", "ID"),
        ("Kingdom of Cambodia", "KH"),
        ("Filipinas", "PH"),
        ("필리핀", "PH"),
        ("Estados Unidos", "US"),
        ("États-Unis", "US"),
        ("USA", "US"),
        ("Myanmar (Burma)", "MM"),
        ("Burma", "MM"),
        ("République démocratique du Congo", "CD"),
        ("Bolivia", "BO"),
        ("Sénégal", "SN"),
        ("Corea del Sur", "KR"),
        ("Corée du Sud", "KR"),
        ("대한민국", "KR"),
        ("한국", "KR"),
        ("South Korea", "KR"),
        ("Republic of Korea", "KR"),
        ("KOR", "KR"),
        ("North Korea", "KP"),
        ("Corea del Norte", "KP"),
    ],
)
def test_country(value, code):
    assert country(value) == code


@pytest.mark.parametrize("value", ["", "   ", "Atlantis", "Cusco", "no", "in", "pe", "Latin America", "world", "Korea"])
def test_country_unknown_or_ambiguous(value):
    # Lower-case "no" is a word, not Norway; "Korea" could be either.
    assert country(value) is None


def test_country_index_is_a_dict_lookup():
    names, codes = normalize._country_index()
    assert len(names) > 700  # pycountry's names plus CLDR's in en, ko, es, fr
    assert codes["PER"] == "PE" and names["perou"] == "PE"


# --- single choices ------------------------------------------------------------

ORG = "applicant.organization_type"


@pytest.mark.parametrize(
    "value, code",
    [
        # local government
        ("City government", "local_government"),
        ("Municipality", "local_government"),
        ("Provincial Municipality of Cusco", "local_government"),
        ("Municipalidad", "local_government"),
        ("Gobierno local", "local_government"),
        ("Gobierno Regional de Cusco", "local_government"),
        ("지방정부", "local_government"),
        ("지자체", "local_government"),
        ("시청", "local_government"),
        ("지방자치단체 (시청)", "local_government"),
        ("collectivité locale", "local_government"),
        ("Collectivité territoriale", "local_government"),
        ("local_government", "local_government"),
        ("local government", "local_government"),
        ("LOCAL GOVERNMENT", "local_government"),
        # central government
        ("Ministry of Transport", "central_government"),
        ("National government", "central_government"),
        ("Government of Peru", "central_government"),
        ("중앙정부", "central_government"),
        ("중앙 정부 부처", "central_government"),
        ("Ministerio de Vivienda", "central_government"),
        ("Ministère de l'Urbanisme", "central_government"),
        ("central_government", "central_government"),
        # public enterprise: longer phrases win over "company" or "municipal"
        ("state-owned company", "public_enterprise"),
        ("State owned enterprise", "public_enterprise"),
        ("public corporation", "public_enterprise"),
        ("공기업", "public_enterprise"),
        ("empresa pública", "public_enterprise"),
        ("Empresa Municipal de Agua", "public_enterprise"),
        ("Entreprise publique", "public_enterprise"),
        ("Société d'État", "public_enterprise"),
        # public institution
        ("public agency", "public_institution"),
        ("Government agency", "public_institution"),
        ("공공기관", "public_institution"),
        ("Établissement public", "public_institution"),
        ("Institución pública", "public_institution"),
        # international organisation
        ("World Bank", "international_organization"),
        ("international organisation", "international_organization"),
        ("국제기구", "international_organization"),
        ("Banco Mundial", "international_organization"),
        ("Organisation internationale", "international_organization"),
        # private company
        ("private company", "private_company"),
        ("민간기업", "private_company"),
        ("empresa privada", "private_company"),
        ("entreprise privée", "private_company"),
        # other
        ("university", "other"),
        ("NGO", "other"),
        ("Other (research institute)", "other"),
        ("대학교", "other"),
        ("Universidad Nacional", "other"),
    ],
)
def test_organization_type(value, code):
    assert choice(ORG, value) == code


@pytest.mark.parametrize(
    "value, code",
    [
        ("Smart solution", "smart_solution"),
        ("Solution development", "smart_solution"),
        ("Solution development project (smart solutions)", "smart_solution"),
        ("스마트 솔루션", "smart_solution"),
        ("Solución inteligente", "smart_solution"),
        ("Solutions intelligentes", "smart_solution"),
        ("smart_solution", "smart_solution"),
        ("Urban development", "urban_development"),
        ("New city", "urban_development"),
        ("도시개발", "urban_development"),
        ("신도시 개발", "urban_development"),
        ("Desarrollo urbano", "urban_development"),
        ("Développement urbain", "urban_development"),
        ("Ville nouvelle", "urban_development"),
    ],
)
def test_category(value, code):
    assert choice("project.category", value) == code


@pytest.mark.parametrize(
    "value, code",
    [
        ("new", "new"),
        ("New (planning stage)", "new"),
        ("Nuevo", "new"),
        ("nouveau", "new"),
        ("Nouveau projet", "new"),
        ("신규", "new"),
        ("신규 사업", "new"),
        ("ongoing", "ongoing"),
        ("On-going", "ongoing"),
        ("underway", "ongoing"),
        ("Existing project underway", "ongoing"),
        ("existing", "ongoing"),
        ("En curso", "ongoing"),
        ("En cours", "ongoing"),
        ("진행 중", "ongoing"),
        ("진행중", "ongoing"),
    ],
)
def test_status(value, code):
    assert choice("project.status", value) == code


@pytest.mark.parametrize(
    "code, value",
    [
        (ORG, "xyz"),
        (ORG, ""),
        ("project.status", "renewal"),  # "new" only as a whole word
        ("project.category", "transport"),
        ("applicant.country", "Peru"),  # not a choice field
    ],
)
def test_choice_unknown(code, value):
    assert choice(code, value) is None


# --- multiple choices ----------------------------------------------------------


@pytest.mark.parametrize(
    "value, codes",
    [
        ("Transport", ["transportation"]),
        ("Transport, Mobility; traffic", ["transportation"]),
        ("Transportation, environment", ["transportation", "environment"]),
        ("transporte y salud", ["transportation", "public_health"]),
        ("Transporte, medio ambiente y seguridad", ["transportation", "environment", "security"]),
        ("Transport et énergie", ["transportation", "energy"]),
        ("Mobilité, santé publique et sécurité", ["transportation", "public_health", "security"]),
        ("교통", ["transportation"]),
        ("교통 및 환경", ["transportation", "environment"]),
        ("교통·환경·안전", ["transportation", "environment", "security"]),
        ("보건/복지", ["public_health", "welfare"]),
        ("health / water\n- safety\n• security", ["public_health", "water_resources", "security"]),
        ("- Transport\n- Environment\n", ["transportation", "environment"]),
        ("1) Transport 2) Environment", ["transportation", "environment"]),
        ("Water and sanitation", ["water_resources"]),
        ("water resources management", ["water_resources"]),
        ("Transportation, environment, etc.", ["transportation", "environment"]),
        ("public_health, water_resources", ["public_health", "water_resources"]),
        ("Administration & education & culture", ["administration", "education", "culture"]),
    ],
)
def test_sectors(value, codes):
    assert choices("project.sectors", value) == codes


@pytest.mark.parametrize(
    "value, codes",
    [
        ("Master plan", ["master_plan"]),
        ("MP", ["master_plan"]),
        ("M/P", ["master_plan"]),
        ("Plan maestro", ["master_plan"]),
        ("Plan directeur", ["master_plan"]),
        ("마스터플랜", ["master_plan"]),
        ("기본계획", ["master_plan"]),
        ("Feasibility study", ["feasibility_study"]),
        ("F/S", ["feasibility_study"]),
        ("Estudio de factibilidad", ["feasibility_study"]),
        ("Étude de faisabilité", ["feasibility_study"]),
        ("타당성조사", ["feasibility_study"]),
        ("Pre-feasibility study", ["pre_feasibility_study"]),
        ("pre-F/S", ["pre_feasibility_study"]),
        ("Prefactibilidad", ["pre_feasibility_study"]),
        ("Étude de préfaisabilité", ["pre_feasibility_study"]),
        ("예비타당성", ["pre_feasibility_study"]),
        ("Concept plan", ["concept_plan"]),
        ("구상", ["concept_plan"]),
        ("Plan conceptual", ["concept_plan"]),
        ("Master plan and F/S", ["master_plan", "feasibility_study"]),
        ("Pre-F/S and F/S", ["pre_feasibility_study", "feasibility_study"]),
        ("Plan maestro y estudio de prefactibilidad", ["master_plan", "pre_feasibility_study"]),
        ("Plan directeur et étude de faisabilité", ["master_plan", "feasibility_study"]),
        ("마스터플랜 및 예비타당성조사", ["master_plan", "pre_feasibility_study"]),
        ("예비타당성조사 및 타당성조사", ["pre_feasibility_study", "feasibility_study"]),
        ("Master plan, MP, masterplan", ["master_plan"]),
    ],
)
def test_support_types(value, codes):
    assert choices("support.requested", value) == codes


def test_choices_keep_unrecognised_items_as_written():
    # Validation names what it cannot accept.
    assert choices("project.sectors", "Blockchain and transport") == ["Blockchain", "transportation"]
    assert choices("support.requested", "Concept plan, training") == ["concept_plan", "training"]


@pytest.mark.parametrize("value", ["", " , ; ", "etc."])
def test_choices_nothing(value):
    assert choices("project.sectors", value) is None


# --- yes / no ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, answer",
    [
        ("yes", True), ("Yes", True), ("y", True), ("TRUE", True), ("yes, for 5 officials", True),
        ("Yes please.", True), ("sí", True), ("Si", True), ("Sí, para 3 funcionarios", True),
        ("oui", True), ("Oui, pour 3 agents", True), ("예", True), ("네", True), ("예 (5명)", True),
        ("필요함", True), ("희망합니다", True), ("O", True), (True, True),
        ("no", False), ("No", False), ("n", False), ("false", False), ("No, thank you", False),
        ("non", False), ("Non merci", False), ("아니오", False), ("아니요", False), ("불필요", False),
        ("Not needed", False), ("X", False), (False, False),
    ],
)
def test_yes_no(value, answer):
    assert yes_no(value) is answer


@pytest.mark.parametrize("value", ["", "maybe", "Yes / No", "Sí/No", "oui ou non", "to be decided", None, 3])
def test_yes_no_undecided(value):
    assert yes_no(value) is None


# --- amounts -------------------------------------------------------------------


def krw(n):
    return {"amount": n, "currency": "KRW", "krw": n, "usd": round(n * 0.00085)}


def usd(n, in_krw):
    return {"amount": n, "currency": "USD", "krw": in_krw, "usd": n}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("KRW 1 billion", krw(1_000_000_000)),
        ("1,000,000,000 KRW", krw(1_000_000_000)),
        ("₩500,000,000", krw(500_000_000)),
        ("500 million won", krw(500_000_000)),
        ("KRW 800,000,000", krw(800_000_000)),
        ("KRW 800 million a year", krw(800_000_000)),
        ("KRW 800 million - 1 billion", krw(800_000_000)),  # the first figure
        ("KRW 1,000,000,000 (USD 850,000)", krw(1_000_000_000)),
        ("KRW 1.000.000.000,00", krw(1_000_000_000)),
        ("one billion KRW", krw(1_000_000_000)),
        ("10억원", krw(1_000_000_000)),
        ("5억 원", krw(500_000_000)),
        ("8억 5천만원", krw(850_000_000)),
        ("3천만원", krw(30_000_000)),
        ("1,000만원", krw(10_000_000)),
        ("약 10억 원", krw(1_000_000_000)),
        ("mil millones de wones", krw(1_000_000_000)),
        ("1.000 millones de wones", krw(1_000_000_000)),
        ("500 millones de wones", krw(500_000_000)),
        ("un milliard de wons", krw(1_000_000_000)),
        ("800 millions de wons", krw(800_000_000)),
        ("USD 850,000", usd(850_000, 1_000_000_000)),
        ("850.000 USD", usd(850_000, 1_000_000_000)),
        ("0.85 million USD", usd(850_000, 1_000_000_000)),
        ("$0.5M", usd(500_000, 588_235_294)),
        ("US$ 1.2 million", usd(1_200_000, 1_411_764_706)),
        ("850 mil dólares", usd(850_000, 1_000_000_000)),
        ("1,5 millones USD", usd(1_500_000, 1_764_705_882)),
        ("미화 85만 달러", usd(850_000, 1_000_000_000)),
        ("USD 12,000,000", usd(12_000_000, 14_117_647_059)),
    ],
)
def test_amount(value, expected):
    assert amount(value) == expected


@pytest.mark.parametrize(
    "value, figure, currency",
    [
        ("EUR 500,000", 500_000, "EUR"),
        ("500 000 €", 500_000, "EUR"),
        ("PEN 3,000,000", 3_000_000, "PEN"),
        ("800,000,000", 800_000_000, None),
        ("2.5 million", 2_500_000, None),
        (850000, 850_000, None),
    ],
)
def test_amount_other_or_no_currency_is_not_converted(value, figure, currency):
    # Validation asks for KRW or USD, the two currencies of the call.
    assert amount(value) == {"amount": figure, "currency": currency, "krw": None, "usd": None}


def test_amount_keeps_fractions():
    # 1,234.5 / 0.00085 = 1,452,352.94...; whole won and dollars, rounded half up
    assert amount("USD 1,234.5") == {"amount": 1234.5, "currency": "USD", "krw": 1_452_353, "usd": 1235}


@pytest.mark.parametrize("value", ["", "nothing", "0", "KRW 0", "to be confirmed", "천만원", True, None])
def test_amount_none(value):
    assert amount(value) is None


def test_rate_is_the_calls():
    # The sentence is the one the 2020 round cites for its cap.
    assert normalize.RATE_CITATION in files("rules").joinpath("rounds/2020.yaml").read_text(encoding="utf-8")
    assert (normalize.RATE_KRW, normalize.RATE_USD) == (1_000_000_000, 850_000)


# --- phone and email -----------------------------------------------------------


@pytest.mark.parametrize(
    "value, region, expected",
    [
        ("+51 84 123 456", None, "+5184123456"),
        ("+51 84 123 456", "KR", "+5184123456"),
        ("84 123456", "PE", "+5184123456"),
        ("(084) 123-456", "PE", "+5184123456"),
        ("02-1234-5678", "KR", "+82212345678"),
        ("+82-2-1234-5678", None, "+82212345678"),
        ("0236 3822 123", "VN", "+842363822123"),
        ("33 849 05 05", "SN", "+221338490505"),
        ("Tel. +51 84 123 456 (office)", None, "+5184123456"),
    ],
)
def test_phone(value, region, expected):
    assert phone(value, region) == expected


@pytest.mark.parametrize("value, region", [("84 123456", None), ("12", "PE"), ("call me", "PE"), ("", None)])
def test_phone_none(value, region):
    assert phone(value, region) is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Ana.Quispe@Municipalidad.gob.pe", "ana.quispe@municipalidad.gob.pe"),
        ("mailto:ana@x.pe", "ana@x.pe"),
        ("<ana@x.pe>", "ana@x.pe"),
        ("Ana Quispe <Ana@X.pe>", "ana@x.pe"),
        ("[ana@x.pe]", "ana@x.pe"),
        ("ana@x.pe, bob@y.pe", "ana@x.pe"),
        ("ana@x.pe.", "ana@x.pe"),
    ],
)
def test_email(value, expected):
    assert email(value) == expected


@pytest.mark.parametrize("value", ["ana@x", "ana quispe@x.pe", "ana@", "@x.pe", "ana..q@x.pe", "", "ana@x_y.pe"])
def test_email_none(value):
    assert email(value) is None


# --- by field, and never raising --------------------------------------------------


def test_field_value_by_kind():
    assert field_value("applicant.country", "Pérou") == "PE"
    assert field_value("contact.phone", "84 123456", "PE") == "+5184123456"
    assert field_value("project.sectors", ["Transport", "Salud"]) == ["transportation", "public_health"]
    assert field_value("support.training", True) is True
    assert field_value("budget.requested_amount", 800000000)["amount"] == 800_000_000
    assert field_value("project.title", "  Smart Cusco ") == "Smart Cusco"
    assert field_value("applicant.country", "Atlantis") is None


def test_synonyms_only_name_the_fields_choices():
    for code, table in normalize._SYNONYMS.items():
        assert set(table) == set(FIELDS_BY_CODE[code].choices), code


def test_alternation_prefers_the_longest():
    pattern = re.compile(normalize.alternation(["plan", "plan maestro", "pla"]))
    assert pattern.match("plan maestro").group() == "plan maestro"
    assert pattern.match("plan m").group() == "plan"


@given(st.text(max_size=200))
def test_normalisers_never_raise(text):
    country(text)
    email(text)
    yes_no(text)
    amount(text)
    phone(text, "PE")
    for code in normalize._SYNONYMS:
        choice(code, text)
        choices(code, text)
