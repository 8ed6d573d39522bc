"""kcity export: the whole store as CSV or JSON, through the CLI, over a real store."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from helpers import DESK_ADDRESS, COMPLETE_FORM_EN, email_bytes
from kcity.cli import main
from kcity.review import change_status
from store.questions import record_question

TABLES = ("applications", "messages", "replies", "events", "questions")
HOSTILE_FORM = COMPLETE_FORM_EN.replace(
    "Project title: Cusco Smart Mobility Plan", "Project title: =HYPERLINK(\"http://evil.example\",\"x\")"
).replace("Organization: Municipality of Cusco", "Organization: @SUM(1+1)")


@pytest.fixture
def store(desk, tmp_path):
    first = desk.pipeline.process(email_bytes(COMPLETE_FORM_EN, subject="Cusco application",
                                              message_id="<one@cusco.gob.pe>"), source="test")
    desk.pipeline.process(email_bytes(HOSTILE_FORM, sender="x@evil.example", subject="-2+3"), source="test")
    change_status(desk.db, desk.pipeline.signer, reference=first.reference, status="selected", actor="staff:kim",
                  note="+1 from the committee", at="2020-04-01T09:00:00+00:00", mail_from=DESK_ADDRESS,
                  replies_per_hour=5)
    record_question(desk.db, "=1+1 when is the deadline?", channel="cli", language="en", topic=None,
                    confidence=0.0, at="2020-02-11T00:00:00+00:00")
    return tmp_path, first.reference


def export(tmp_path, fmt: str):
    out = tmp_path / f"export-{fmt}"
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "export", "--format", fmt, "--out", str(out)],
                                env={"KCITY_DB": str(tmp_path / "k.db")})
    assert result.exit_code == 0, result.output
    return out, result.output


def read_csv(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_json_export_has_every_table_with_nested_values(store):
    tmp_path, reference = store
    out, output = export(tmp_path, "json")
    assert output.startswith(f"5 files written to {out}: 2 applications, 2 messages, ")
    data = {table: json.loads((out / f"{table}.json").read_text(encoding="utf-8")) for table in TABLES}
    cusco = next(a for a in data["applications"] if a["reference"] == reference)
    assert cusco["status"] == "selected"
    assert cusco["fields"]["applicant"]["organization"] == "Municipality of Cusco"
    assert isinstance(cusco["problems"], list) and isinstance(cusco["eligibility"], dict)
    assert {m["subject"] for m in data["messages"]} == {"Cusco application", "-2+3"}
    assert {r["kind"] for r in data["replies"]} >= {"acknowledgement", "status_update"}
    changed = next(e for e in data["events"] if e["kind"] == "status_changed" and e["actor"] == "staff:kim")
    assert changed["detail"] == {"old": "complete", "new": "selected", "note": "+1 from the committee"}
    assert data["questions"][0]["text"] == "=1+1 when is the deadline?"  # JSON is data: nothing to escape


def test_csv_export_flattens_fields_and_defuses_formulas(store):
    tmp_path, reference = store
    out, _ = export(tmp_path, "csv")
    applications = read_csv(out / "applications.csv")
    cusco = next(a for a in applications if a["reference"] == reference)
    assert cusco["applicant.country"] == "PE" and cusco["project.sectors"] == "transportation, environment"
    assert cusco["contact.email"] == "ana.quispe@cusco.gob.pe" and "fields" not in cusco
    hostile = next(a for a in applications if a["reference"] != reference)
    assert hostile["project.title"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert hostile["applicant.organization"] == "'@SUM(1+1)"
    assert "'-2+3" in {m["subject"] for m in read_csv(out / "messages.csv")}
    assert read_csv(out / "questions.csv")[0]["text"] == "'=1+1 when is the deadline?"
    events = read_csv(out / "events.csv")
    note = next(e for e in events if e["actor"] == "staff:kim" and e["kind"] == "status_changed")
    assert json.loads(note["detail"])["note"] == "+1 from the committee"  # JSON text: starts with {
    for path in out.iterdir():
        for row in read_csv(path):
            for value in row.values():
                assert not (value or "").startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, value)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_no_raw_bytes_leave(store, fmt):
    tmp_path, _ = store
    out, _ = export(tmp_path, fmt)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.{fmt}" for t in TABLES)
    everything = "".join(p.read_text(encoding="utf-8-sig") for p in out.iterdir())
    # Headers are in every raw message and reply; exported rows hold none.
    for header in ("Content-Transfer-Encoding:", "MIME-Version:", "Message-ID:", "Content-Type:"):
        assert header not in everything
    for table in ("messages", "replies"):
        header = (out / f"{table}.{fmt}").read_text(encoding="utf-8-sig")
        assert '"raw"' not in header and not header.startswith("raw") and ",raw," not in header.splitlines()[0]
