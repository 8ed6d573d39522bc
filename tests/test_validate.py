"""validate(): what is missing or wrong in an application, and the schema it checks against."""

from __future__ import annotations

import copy

import pycountry
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from rules import form, validate as validate_module
from rules.validate import SCHEMA, validate

COMPLETE = {
    "applicant": {
        "country": "PE",
        "organization": "Municipality of Cusco",
        "organization_type": "local_government",
        "department": "Urban Planning Department",
    },
    "contact": {
        "name": "Ana Quispe",
        "position": "Director of Urban Planning",
        "email": "ana.quispe@municipalidad.gob.pe",
        "phone": "+5184123456",
    },
    "project": {
        "title": "Cusco Smart Mobility Plan",
        "category": "smart_solution",
        "sectors": ["transportation", "environment"],
        "location": "Cusco, Cusco Region",
        "summary": "An integrated traffic management centre and smart bus stops for the historic centre.",
        "status": "new",
        "expected_outcomes": "Travel times in the historic centre cut by 20%.",
    },
    "support": {"requested": ["master_plan"], "training": True, "consulting": False},
    "budget": {
        "requested_amount": {"amount": 800_000_000, "currency": "KRW", "krw": 800_000_000, "usd": 680_000},
        "total_cost": {"amount": 12_000_000, "currency": "USD", "krw": 15_600_000_000, "usd": 12_000_000},
    },
    "financing": {"ppp_potential": True, "partners": "Inter-American Development Bank"},
}


def changed(code: str, value) -> dict:
    """COMPLETE with one answer replaced (or removed, for None)."""
    fields = copy.deepcopy(COMPLETE)
    section, name = code.split(".")
    if value is None:
        fields[section].pop(name)
    else:
        fields[section][name] = value
    return fields


def only_problem(fields: dict):
    problems = validate(fields)
    assert len(problems) == 1, problems
    return problems[0]


# Complete and missing ----------------------------------------------------------------


def test_a_complete_application_has_no_problems():
    assert validate(COMPLETE) == []


def test_optional_answers_may_be_left_out():
    fields = {section: {n: v for n, v in values.items() if form.field(f"{section}.{n}").required}
              for section, values in COMPLETE.items()}
    fields["project"]["sectors"] = ["energy"]
    assert validate(fields) == []


@pytest.mark.parametrize("code", form.REQUIRED_CODES)
def test_each_required_answer_missing(code):
    problem = only_problem(changed(code, None))
    assert (problem.field, problem.kind) == (code, "missing")
    assert problem.message == f"{form.field(code).label()} is missing."
    assert problem.example == form.field(code).example


@pytest.mark.parametrize("blank", ["", "   ", [], None])
def test_a_blank_answer_is_missing_not_invalid(blank):
    fields = copy.deepcopy(COMPLETE)
    fields["applicant"]["country"] = blank
    assert only_problem(fields).message == "Country is missing."


def test_nothing_answered_lists_every_required_field_in_form_order():
    problems = validate({})
    assert [p.field for p in problems] == list(form.REQUIRED_CODES)
    assert {p.kind for p in problems} == {"missing"}


def test_a_missing_section_is_its_required_fields():
    fields = copy.deepcopy(COMPLETE)
    del fields["contact"]
    assert [(p.field, p.kind) for p in validate(fields)] == [("contact.name", "missing"), ("contact.email", "missing")]


def test_sectors_are_required_for_smart_solutions_only():
    problem = only_problem(changed("project.sectors", None))
    assert (problem.field, problem.kind) == ("project.sectors", "missing")
    assert "smart solution" in problem.message

    fields = changed("project.sectors", None)
    fields["project"]["category"] = "urban_development"
    assert validate(fields) == []


# Invalid answers -------------------------------------------------------------------


def test_an_unknown_country():
    problem = only_problem(changed("applicant.country", "Atlantis"))
    assert (problem.field, problem.kind, problem.example) == ("applicant.country", "invalid", "Peru")
    assert problem.message == (
        "We could not recognise 'Atlantis' as a country; please give the country's name in English, "
        "Korean, Spanish or French."
    )


def test_a_choice_not_on_the_list():
    problem = only_problem(changed("applicant.organization_type", "ngo"))
    assert problem.kind == "invalid"
    assert problem.message == (
        "Organization type must be one of: central government, local government, public institution, "
        "public enterprise, international organization, private company, other."
    )


@pytest.mark.parametrize("code, value", [
    ("project.category", "housing"),
    ("project.status", "finished"),
    ("project.sectors", ["tourism"]),
    ("project.sectors", ["energy", "energy"]),
    ("project.sectors", "energy"),
    ("support.requested", ["construction"]),
    ("support.requested", ["pre-feasibility study"]),
])
def test_choices_must_be_form_codes(code, value):
    problem = only_problem(changed(code, value))
    assert (problem.field, problem.kind) == (code, "invalid")
    assert problem.message.startswith(f"{form.field(code).label()} must be")


@pytest.mark.parametrize("email", ["ana.quispe", "ana@", "@municipalidad.gob.pe", "ana quispe@muni.pe",
                                   "ana@localhost", "ana@@muni.pe"])
def test_a_bad_email(email):
    problem = only_problem(changed("contact.email", email))
    assert (problem.field, problem.kind) == ("contact.email", "invalid")
    assert problem.message == f"We could not read '{email}' as an email address."


@pytest.mark.parametrize("phone", ["+51 84 123 456", "084123456", "+0123", "+1234567890123456"])
def test_a_phone_not_in_e164(phone):
    assert only_problem(changed("contact.phone", phone)).field == "contact.phone"


@pytest.mark.parametrize("value", ["yes", 1, "no"])
def test_yes_no_answers_are_booleans(value):
    assert only_problem(changed("support.training", value)).message == "Training in Korea must be yes or no."


def test_an_amount_in_euros():
    problem = only_problem(changed("budget.requested_amount", {"amount": 700_000, "currency": "EUR"}))
    assert (problem.field, problem.kind) == ("budget.requested_amount", "invalid")
    assert problem.message == "Requested amount is in 'EUR'; please state it in KRW or USD."
    assert problem.example == "KRW 800,000,000"


def test_an_amount_without_currency_or_unread():
    bare = {"amount": 5000, "currency": None, "krw": None, "usd": None}  # as normalize.amount("5000") gives it
    assert only_problem(changed("budget.requested_amount", bare)).message == (
        "Requested amount has no currency; please state it in KRW or USD."
    )
    assert only_problem(changed("budget.requested_amount", "about a billion")).message == (
        "We could not read 'about a billion' as an amount; please write the figure and its currency."
    )


@pytest.mark.parametrize("amount", [
    {"amount": 800_000_000},
    {"amount": 0, "currency": "KRW"},
    {"amount": -5, "currency": "USD"},
    {"amount": "lots", "currency": "USD"},
    {"amount": 10.5, "currency": "USD", "usd": 10.5},
    "KRW 800,000,000",
])
def test_a_malformed_amount(amount):
    problem = only_problem(changed("budget.total_cost", amount))
    assert (problem.field, problem.kind) == ("budget.total_cost", "invalid")


def test_text_has_a_length_limit():
    assert validate(changed("project.summary", "x" * 5000)) == []
    problem = only_problem(changed("project.summary", "x" * 5001))
    assert problem.message == "Project summary is too long: please keep it to 5,000 characters."
    assert only_problem(changed("project.title", 42)).message == "Project title must be text."


def test_one_problem_per_field_in_form_order():
    fields = copy.deepcopy(COMPLETE)
    fields["budget"]["requested_amount"] = {"amount": -1, "currency": "EUR"}
    fields["support"]["requested"] = ["construction", "construction"]
    fields["project"]["sectors"] = []
    fields["contact"]["email"] = "nobody"
    fields["applicant"]["country"] = "Atlantis"
    problems = validate(fields)
    assert [p.field for p in problems] == [
        "applicant.country", "contact.email", "project.sectors", "support.requested", "budget.requested_amount",
    ]
    assert [p.kind for p in problems] == ["invalid", "invalid", "missing", "invalid", "invalid"]


def test_answers_the_form_does_not_know_are_ignored():
    fields = copy.deepcopy(COMPLETE)
    fields["applicant"]["nickname"] = "Cusco"
    fields["notes"] = {"free": "text"}
    assert validate(fields) == []


def test_a_malformed_fields_dict_is_a_programming_error():
    with pytest.raises(TypeError, match="applicant"):
        validate({"applicant": "Cusco"})


def test_problems_serialise():
    [problem] = validate(changed("applicant.country", None))
    assert problem.as_dict() == {
        "field": "applicant.country", "kind": "missing", "message": "Country is missing.", "example": "Peru",
    }


# The schema agrees with the form ---------------------------------------------------------


def resolved(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def property_schema(code: str) -> dict:
    section, name = code.split(".")
    return resolved(SCHEMA["properties"][section]["properties"][name])


def test_schema_is_draft_2020_12():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_schema_has_exactly_the_forms_fields():
    in_schema = {f"{s}.{n}" for s, section in SCHEMA["properties"].items() for n in section["properties"]}
    assert in_schema == set(form.FIELDS_BY_CODE)


def test_schema_requires_what_the_form_requires():
    sections = {f.path[0] for f in form.FIELDS}
    assert set(SCHEMA["properties"]) == sections
    assert set(SCHEMA["required"]) == {f.path[0] for f in form.FIELDS if f.required}
    for section in sections:
        expected = [f.path[1] for f in form.FIELDS if f.required and f.path[0] == section]
        assert SCHEMA["properties"][section].get("required", []) == expected, section


def test_schema_requires_sectors_when_the_form_does():
    [conditional] = [f for f in form.FIELDS if f.required_when]
    (section, name), (other, value) = conditional.path, conditional.required_when
    schema = SCHEMA["properties"][section]
    assert schema["if"] == {"properties": {other.split(".")[1]: {"const": value}}, "required": [other.split(".")[1]]}
    assert schema["then"] == {"required": [name]}


@pytest.mark.parametrize("f", form.FIELDS, ids=lambda f: f.code)
def test_schema_shape_follows_the_kind(f):
    schema = property_schema(f.code)
    match f.kind:
        case "choice":
            assert schema["enum"] == list(f.choices)
        case "choices":
            assert (schema["type"], schema["minItems"], schema["uniqueItems"]) == ("array", 1, True)
            assert resolved(schema["items"])["enum"] == list(f.choices)
        case "country":
            assert set(schema["enum"]) == {c.alpha_2 for c in pycountry.countries}
        case "yes_no":
            assert schema["type"] == "boolean"
        case "email":
            assert schema["format"] == "email"
        case "phone":
            assert schema["pattern"] == r"^\+[1-9][0-9]{1,14}$"
        case "amount":
            assert schema["properties"]["currency"]["enum"] == ["KRW", "USD"]
            assert schema["required"] == ["amount", "currency"]
        case "text":
            assert schema["type"] == "string" and schema["minLength"] == 1
            assert schema["maxLength"] == (5000 if f.multiline else 300)
        case _:
            pytest.fail(f"no schema check for kind {f.kind!r}")


# The fast check agrees with jsonschema -------------------------------------------------

# Per field, answers that are right, wrong in each way the schema knows, or odd.
ODD = [None, "", " ", 0, -1, 1.5, True, [], {}, "x" * 301]
SAMPLES = {
    "country": ["PE", "KR", "Atlantis", "pe", "PER"],
    "text": ["Cusco", "x" * 5000, "x" * 5001, "\n"],
    "choice": ["smart_solution", "urban_development", "new", "ongoing", "local_government", "other", "Other"],
    "choices": [["energy"], ["energy", "energy"], ["master_plan", "feasibility_study"], ["tourism"], "energy",
                [True, 1], [["energy"]], [{"a": 1}, {"a": 1}]],
    "yes_no": [True, False, "yes", 1],
    "email": ["ana@muni.gob.pe", "ana@", "ana@x", "a b@x.pe"],
    "phone": ["+5184123456", "+51 84 123 456", "+0", "+123456789012345", "+1234567890123456"],
    "amount": [{"amount": 1, "currency": "KRW"}, {"amount": 1.5, "currency": "USD", "krw": 2.0, "usd": 1},
               {"amount": 1, "currency": "EUR"}, {"amount": 0, "currency": "KRW"}, {"amount": True, "currency": "KRW"},
               {"currency": "KRW"}, {"amount": 1, "currency": "KRW", "krw": 1.5}, {"amount": 1, "currency": "KRW", "usd": -1}],
}


@st.composite
def applications(draw):
    fields = copy.deepcopy(COMPLETE)
    for f in draw(st.lists(st.sampled_from(form.FIELDS), max_size=6, unique_by=lambda f: f.code)):
        section, name = f.path
        fields[section][name] = draw(st.sampled_from(SAMPLES[f.kind] + ODD))
    for section in draw(st.lists(st.sampled_from(sorted(COMPLETE)), max_size=2, unique=True)):
        del fields[section]
    return fields


@settings(max_examples=400, deadline=None, database=None)
@given(applications())
def test_fast_check_agrees_with_jsonschema(fields):
    answered = validate_module._answered(fields)
    by_the_book = Draft202012Validator(SCHEMA, format_checker=validate_module._FORMATS)  # $refs as written
    expected = by_the_book.is_valid(answered)
    assert validate_module._fast_is_valid(answered) == expected
    assert validate_module._VALIDATOR.is_valid(answered) == expected
    assert (validate(fields) == []) == expected
