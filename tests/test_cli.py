"""The kcity command as a user runs it: real subprocesses for exit codes and
output, CliRunner where only the output matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from helpers import COMPLETE_FORM_EN, INCOMPLETE_FORM_EN, email_bytes
from kcity.cli import main

REPO = Path(__file__).resolve().parents[1]
KCITY = [sys.executable, "-m", "kcity"]


def run_kcity(*args, env=None, cwd=None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "SMTP_", "KCITY_", "MAIL_"))}
    environ.update(env or {})
    return subprocess.run([*KCITY, *args], capture_output=True, text=True, env=environ, cwd=cwd, timeout=120)


def test_check_json_reports_each_file(tmp_path):
    complete = tmp_path / "complete.eml"
    complete.write_bytes(email_bytes(COMPLETE_FORM_EN))
    incomplete = tmp_path / "incomplete.eml"
    incomplete.write_bytes(email_bytes(INCOMPLETE_FORM_EN))
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "check", "--json", str(complete), str(incomplete)])
    assert result.exit_code == 0, result.output
    first, second = [json.loads(line) for line in result.output.splitlines()]
    assert first["file"] == str(complete)
    assert first["classification"] == "application"
    assert first["fields"]["applicant"]["country"] == "PE"
    assert first["fields"]["project"]["sectors"] == ["transportation", "environment"]
    assert first["missing"] == [] and first["invalid"] == []
    assert first["eligibility"]["status"] == "eligible"
    assert first["reply"]["kind"] == "acknowledgement" and first["reply"]["language"] == "en"
    assert "applicant.organization_type" in second["missing"]
    assert second["reply"]["kind"] == "missing_fields"
    assert set(first) >= {"file", "classification", "fields", "missing", "invalid", "eligibility", "reply"}


def test_check_uses_the_messages_own_date(tmp_path):
    from datetime import datetime, timezone

    late = tmp_path / "late.eml"
    late.write_bytes(email_bytes(COMPLETE_FORM_EN, date=datetime(2020, 3, 21, 1, 0, tzinfo=timezone.utc)))
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "check", "--json", str(late)])
    reasons = [r["code"] for r in json.loads(result.output)["eligibility"]["reasons"]]
    assert "late" in reasons  # 21 March 10:00 in Seoul: the day after the window closed


def test_check_unreadable_file_is_one_line_and_others_still_checked(tmp_path):
    good = tmp_path / "good.eml"
    good.write_bytes(email_bytes(COMPLETE_FORM_EN))
    done = run_kcity("check", "--json", str(tmp_path / "missing.eml"), str(good), cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "missing.eml" in done.stderr
    assert json.loads(done.stdout)["classification"] == "application"


def test_auto_reply_checks_to_no_reply(tmp_path):
    eml = tmp_path / "oof.eml"
    eml.write_bytes(email_bytes("I am out of the office.", headers={"Auto-Submitted": "auto-replied"}))
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "check", "--json", str(eml)])
    line = json.loads(result.output)
    assert line["classification"] == "auto_reply" and line["reply"] is None


def test_malformed_setting_stops_start_up_with_one_line(tmp_path):
    done = run_kcity("poll", "--once", env={"MAILDIR": str(tmp_path / "m"), "OUTBOX_DIR": str(tmp_path),
                                            "IMAP_HOST": "127.0.0.1", "IMAP_USER": "u", "IMAP_PASSWORD": "p",
                                            "IMAP_PORT": "abc", "KCITY_SECRET": "s"}, cwd=tmp_path)
    assert done.returncode != 0
    assert done.stderr.strip() == "Error: setting IMAP_PORT must be a whole number, got 'abc'"


def test_missing_setting_is_named(tmp_path):
    done = run_kcity("poll", "--once", env={"IMAP_HOST": "127.0.0.1", "OUTBOX_DIR": str(tmp_path)}, cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "IMAP_USER" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_settings_come_from_dot_env(tmp_path):
    (tmp_path / ".env").write_text("KCITY_DB=from-env-file.db\nMAILDIR=inbox\nOUTBOX_DIR=out\n")
    done = run_kcity("poll", "--once", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-env-file.db").exists()


def test_ingest_a_folder_and_export_the_raw_messages(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    originals = {
        "a.eml": email_bytes(COMPLETE_FORM_EN),
        "b.eml": email_bytes(INCOMPLETE_FORM_EN, sender="b@example.org"),
    }
    for name, raw in originals.items():
        (folder / name).write_bytes(raw)
    env = {"KCITY_DB": str(tmp_path / "k.db"), "OUTBOX_DIR": str(tmp_path / "out")}
    done = run_kcity("ingest", str(folder), env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 application" in done.stdout
    assert len(list((tmp_path / "out").glob("*.eml"))) == 2
    exported = run_kcity("export-messages", str(tmp_path / "export"), env=env, cwd=tmp_path)
    assert exported.returncode == 0
    assert sorted(p.read_bytes() for p in (tmp_path / "export").glob("*.eml")) == sorted(originals.values())
    # ingesting the same archive again changes nothing
    run_kcity("ingest", str(folder), env=env, cwd=tmp_path)
    assert len(list((tmp_path / "out").glob("*.eml"))) == 2


def test_ingest_an_mbox(tmp_path):
    mbox = tmp_path / "box.mbox"
    mbox.write_bytes(
        b"From a@b Mon Feb 10 09:00:00 2020\n" + email_bytes(COMPLETE_FORM_EN).replace(b"\r\n", b"\n")
        + b"\nFrom a@b Mon Feb 10 09:00:00 2020\n" + email_bytes("How can we apply?", sender="q@example.org").replace(b"\r\n", b"\n")
    )
    done = run_kcity("ingest", str(mbox), env={"KCITY_DB": str(tmp_path / "k.db")}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 application" in done.stdout and "1 inquiry" in done.stdout


def test_demo_shows_every_sample_and_what_happened(tmp_path):
    done = run_kcity("demo", "--dir", str(tmp_path / "demo"), env={"COLUMNS": "200"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in ("KCN-2020-0001", "follow_up", "auto_reply", "bounce", "inquiry", "ineligible",
                     "missing_fields (fr)", "acknowledgement (ko)", "marked 1 reply as bounced"):
        assert expected in out, expected
    assert len(list((tmp_path / "demo" / "outbox").glob("*.eml"))) == 7


def test_run_processes_mail_and_stops_cleanly_on_sigterm(tmp_path):
    import signal
    import time

    maildir = tmp_path / "inbox"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "0001.eml").write_bytes(email_bytes(COMPLETE_FORM_EN))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IMAP_", "SMTP_", "KCITY_", "MAIL_"))}
    env.update({"KCITY_DB": str(tmp_path / "k.db"), "MAILDIR": str(maildir), "OUTBOX_DIR": str(tmp_path / "out")})
    child = subprocess.Popen([*KCITY, "run"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not list((tmp_path / "out").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list((tmp_path / "out").glob("*.eml")), "the service replied to the waiting application"
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=15)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, stderr
    assert b"Traceback" not in stderr


def test_unreachable_imap_server_is_one_clear_line(tmp_path):
    from servers import free_port

    env = {"IMAP_HOST": "127.0.0.1", "IMAP_PORT": str(free_port()), "IMAP_USER": "u", "IMAP_PASSWORD": "p",
           "IMAP_SECURITY": "none", "KCITY_SECRET": "s", "OUTBOX_DIR": str(tmp_path / "out"),
           "KCITY_DB": str(tmp_path / "k.db")}
    done = run_kcity("poll", "--once", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: IMAP 127.0.0.1:") and "cannot connect" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_ask_answers_from_the_call_in_the_questions_language():
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "ask", "--json", "민간 기업도 신청할 수 있나요?"])
    assert result.exit_code == 0, result.output
    reply = json.loads(result.output)
    assert reply["language"] == "ko" and reply["confidence"] > 0.5
    assert any("private-sector only participation not allowed" in c for c in reply["citations"])


def test_ask_says_so_when_it_does_not_know():
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "ask", "--json", "What is the weather in Paris?"])
    reply = json.loads(result.output)
    assert reply["topic"] is None and reply["citations"] == []
    assert "www.molit.go.kr" in reply["answer"]


def test_ask_says_how_many_days_are_left_on_a_day_the_call_is_open():
    result = CliRunner().invoke(
        main, ["--env-file", "/nonexistent", "ask", "--json", "--today", "2020-03-18", "What is the deadline?"])
    reply = json.loads(result.output)
    assert reply["topic"] == "application_window"
    assert "2 days from today" in reply["answer"]
    assert "eligibility" not in reply


def test_ask_says_plainly_when_no_call_is_open():
    result = CliRunner().invoke(
        main, ["--env-file", "/nonexistent", "ask", "--today", "2026-11-29", "--lang", "fr", "Quelle est la date limite ?"])
    assert "Aucun appel n'est ouvert aujourd'hui (29 novembre 2026)" in result.output


def test_ask_runs_the_eligibility_engine_on_a_case_the_question_states():
    question = "We are a city government in Peru with a smart transport project, can we apply?"
    reply = json.loads(CliRunner().invoke(main, ["--env-file", "/nonexistent", "ask", "--json", question]).output)
    assert reply["eligibility"]["status"] == "eligible"
    assert reply["eligibility"]["case"]["applicant"] == {"organization_type": "local_government", "country": "PE"}


def test_a_bad_date_is_one_clear_line():
    result = run_kcity("--env-file", "/nonexistent", "ask", "--today", "2020-13-01", "deadline?")
    assert result.returncode == 2
    assert "'2020-13-01' is not a date" in result.stderr and "Traceback" not in result.stderr


def test_chat_walks_the_guided_check_and_keeps_the_questions_for_staff(tmp_path):
    from store.db import open_store

    env = tmp_path / ".env"
    env.write_text(f"KCITY_DB={tmp_path / 'desk.db'}\nMAIL_FROM=apply@desk.example\n")
    # Menu [1] check; type [2] local government; Peru; [2] smart solution; sectors [2] transport, [11] Done;
    # support [2] master plan, [7] Done; [1] new; an amount over the cap.
    lines = ["1", "2", "Peru", "2", "2", "11", "2", "7", "1", "2 billion won", "will it rain in seoul tomorrow?", ""]
    result = CliRunner().invoke(main, ["--env-file", str(env), "chat", "--today", "2020-03-01"], input="\n".join(lines))
    assert result.exit_code == 0, result.output
    assert "(7/7)" in result.output
    assert "Your answers: Country: Peru; Organization type: local government" in result.output
    assert "a person on the program team would have to look at this application" in result.output
    assert "KRW 2,000,000,000" in result.output
    assert "send the application form by email to apply@desk.example" in result.output
    assert "The call is open: applications are taken until March 20, 2020 (Korean Time), 19 days from today." in (
        result.output)
    unanswered = list(open_store(tmp_path / "desk.db").query("SELECT text, channel FROM questions WHERE topic IS NULL"))
    assert unanswered == [{"text": "will it rain in seoul tomorrow?", "channel": "chat"}]


def test_every_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"kcity {name}" not in readme]
    assert missing == []


def test_check_shows_strangers_text_as_sent_not_as_terminal_markup(tmp_path):
    import email
    from email import policy

    msg = email.message_from_bytes(email_bytes("Please find our form attached.", subject="[/bold] our form"),
                                   policy=policy.default)
    msg.add_attachment(b"HWP Document File", maintype="application", subtype="x-hwp", filename="[red]form[/].hwp")
    eml = tmp_path / "markup.eml"
    eml.write_bytes(msg.as_bytes())
    result = CliRunner().invoke(main, ["--env-file", "/nonexistent", "check", str(eml)])
    assert result.exit_code == 0, result.output
    assert "[/bold] our form" in result.output
    assert "not read" in result.output and "[red]form[/].hwp" in result.output
