"""Full-text search for staff (/find) over a real store."""

from __future__ import annotations


import pytest
from click.testing import CliRunner

from kcity.cli import main
from store.applications import create_application, find_by_reference, update_application
from store.db import open_store, transaction
from store.search import find_applications, reindex_all, search_text

AT = "2020-02-10T09:00:00+00:00"

CUSCO = {
    "applicant": {"country": "PE", "organization": "Municipalidad Provincial del Cusco"},
    "contact": {"name": "Ana Quispe", "email": "ana.quispe@cusco.gob.pe"},
    "project": {"title": "Cusco Smart Mobility Plan", "summary": "Smart bus stops for the historic centre.",
                "location": "Cusco"},
}
BOGOTA = {
    "applicant": {"country": "CO", "organization": "Alcaldía de Bogotá"},
    "contact": {"name": "José Pérez", "email": "jperez@bogota.gov.co"},
    "project": {"title": "Gestión inteligente del agua", "summary": "Sensores en la red de acueducto.",
                "location": "Bogotá D.C."},
}
HANOI = {
    "applicant": {"country": "VN", "organization": "하노이시 인민위원회"},
    "contact": {"name": "Nguyễn Văn An", "email": "an@hanoi.gov.vn"},
    "project": {"title": "하노이 스마트 교통 사업", "summary": "교통 관제 센터.", "location": "하노이"},
}


@pytest.fixture
def db(tmp_path):
    db = open_store(tmp_path / "k.db")
    yield db
    db.conn.close()


def add(db, fields: dict, sender: str = "someone@example.org", status: str = "complete"):
    with transaction(db):
        return create_application(db, year=2020, status=status, fields=fields, problems=[], eligibility={},
                                  language="en", sender=sender, at=AT)


def refs(rows: list[dict]) -> list[str]:
    return [r["reference"] for r in rows]


@pytest.fixture
def three(db):
    return [add(db, CUSCO).reference, add(db, BOGOTA).reference, add(db, HANOI).reference]


def test_search_text_is_folded_and_names_the_country():
    text = search_text(BOGOTA, "KCN-2020-0002", "jperez@bogota.gov.co")
    assert "kcn-2020-0002" in text and "colombia" in text and "alcaldia de bogota" in text
    assert "gestion inteligente del agua" in text and "jose perez" in text and "jperez@bogota.gov.co" in text
    assert text == text.lower() and "á" not in text


def test_rows_and_finding_by_organization(db, three):
    [row] = find_applications(db, "Municipalidad")
    assert row == {"reference": three[0], "status": "complete", "country": "PE",
                   "organization": "Municipalidad Provincial del Cusco", "title": "Cusco Smart Mobility Plan",
                   "updated_at": AT}


def test_title_words_in_any_order_and_parts_of_words(db, three):
    assert refs(find_applications(db, "mobility smart")) == [three[0]]
    assert refs(find_applications(db, "mobil")) == [three[0]]
    assert find_applications(db, "mobility water") == []  # every word must match


def test_korean_substring_of_a_title(db, three):
    assert refs(find_applications(db, "스마트 교통")) == [three[2]]
    assert refs(find_applications(db, "마트")) == [three[2]]  # two syllables: below a trigram
    assert refs(find_applications(db, "교통")) == [three[2]]


def test_accents_are_ignored_both_ways(db, three):
    assert refs(find_applications(db, "bogota")) == [three[1]]
    assert refs(find_applications(db, "BOGOTÁ")) == [three[1]]
    assert refs(find_applications(db, "gestión")) == [three[1]]
    assert refs(find_applications(db, "nguyen")) == [three[2]]


def test_country_by_code_and_english_name_and_contact(db, three):
    assert refs(find_applications(db, "peru")) == [three[0]]
    assert refs(find_applications(db, "viet nam")) == [three[2]]
    assert refs(find_applications(db, "ana.quispe@cusco")) == [three[0]]


def test_reference_whole_or_part(db, three):
    assert refs(find_applications(db, three[1])) == [three[1]]
    assert refs(find_applications(db, three[1].lower())) == [three[1]]
    assert set(refs(find_applications(db, "KCN-2020"))) == set(three)
    assert refs(find_applications(db, "0002")) == [three[1]]
    assert set(refs(find_applications(db, "02"))) == set(three)  # short, and in every "2020"


def test_best_matches_first(db):
    in_summary = add(db, {"applicant": {"organization": "City of Lima"},
                          "project": {"title": "Flood sensors", "summary": "Cusco-style smart lighting"}}).reference
    in_title = add(db, {"applicant": {"organization": "City of Arequipa"},
                        "project": {"title": "Cusco-style lighting"}}).reference
    in_organization = add(db, {"applicant": {"organization": "Gobierno Regional del Cusco"},
                               "project": {"title": "Water"}}).reference
    assert refs(find_applications(db, "cusco")) == [in_organization, in_title, in_summary]


@pytest.mark.parametrize("query", [
    '"', '""', 'cusco"', '"cusco', "AND", "cusco AND", "OR cusco", "NOT", "*", "cus*", "^cusco", "cusco:", "NEAR(a b)",
    "title:cusco", "(cusco", "cusco)", "a-b", "-", "+", "'", "\\", "%", "_", "\x00cusco", "{text}: cusco",
])
def test_query_syntax_characters_are_plain_text(db, three, query):
    find_applications(db, query)  # never raises


def test_fts_operators_do_not_work_as_operators(db, three):
    assert find_applications(db, "cusco OR bogota") == []  # "or" is a word to find, not an operator
    assert refs(find_applications(db, '"cusco mobility"')) == [three[0]]  # quotes are not a phrase: words
    assert find_applications(db, "cus*") == []


def test_empty_query_finds_nothing(db, three):
    assert find_applications(db, "") == [] and find_applications(db, "   ") == []


def test_limit(db):
    for n in range(30):
        add(db, {"applicant": {"organization": f"Municipality {n}"}, "project": {"title": "Smart lighting"}})
    assert len(find_applications(db, "lighting")) == 20
    assert len(find_applications(db, "lighting", limit=5)) == 5
    assert len(find_applications(db, "li", limit=7)) == 7


def test_an_updated_application_is_reindexed(db, three):
    app = find_by_reference(db, three[0])
    fields = {**app.fields, "project": {**app.fields["project"], "title": "Andean cable car"}}
    with transaction(db):
        update_application(db, app, status=app.status, fields=fields, problems=[], eligibility={}, at=AT)
    assert refs(find_applications(db, "cable car")) == [three[0]]
    assert find_applications(db, "smart mobility") == []


def test_reindex_rebuilds_a_lost_index(db, three, tmp_path):
    db.execute("DELETE FROM applications_fts")
    assert find_applications(db, "cusco") == []
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "reindex"], env={"KCITY_DB": str(tmp_path / "k.db")})
    assert result.exit_code == 0, result.output
    assert result.output == "3 applications indexed.\n"
    assert refs(find_applications(db, "cusco")) == [three[0]]
    assert reindex_all(db) == 3


def test_applications_stored_before_the_index_existed_are_found_after_the_upgrade(db, three, tmp_path):
    # A store as 004 left one that already held applications: the index empty, 005 not yet run.
    with transaction(db):
        db.execute("DELETE FROM applications_fts")
        db.execute("DELETE FROM _migrations WHERE name = '005_index_older_applications'")
    assert find_applications(db, "cusco") == []
    upgraded = open_store(tmp_path / "k.db")  # what the service or any command does at start
    try:
        assert refs(find_applications(upgraded, "cusco")) == [three[0]]
        assert len(find_applications(upgraded, "example")) == 3  # every sender's address
    finally:
        upgraded.conn.close()
