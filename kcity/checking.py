"""``kcity check``: what the desk would do with a message, with no side effects."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parseaddr

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kcity.config import Settings
from kcity.intake import KnownApplication, assess_message, reply_for, signed_reference, subject_reference
from mail.parse import parse_message
from mail.tokens import MessageIdSigner


def check_file(raw: bytes, name: str, settings: Settings) -> dict:
    message = parse_message(raw)
    signer = MessageIdSigner(settings.secret, settings.mail_domain)
    known = signed_reference(message, signer) or subject_reference(message)
    # Date rules use the message's own Date header, so a check is repeatable.
    submitted_at = message.date if message.date and message.date.tzinfo else datetime.now(timezone.utc)
    assessment = assess_message(
        message,
        own_addresses=frozenset({parseaddr(settings.mail_from)[1].lower()}),
        is_own_message_id=signer.is_ours,
        submitted_at=submitted_at,
        follow_up_of=KnownApplication(known, {}, "en") if known else None,
    )
    reference = known if assessment.is_application and known else ("KCN-0000-0000" if assessment.is_application else None)
    reply = reply_for(assessment, reference=reference)
    problems = assessment.problems
    return {
        "file": name,
        "classification": str(assessment.classification.kind),
        "reason": assessment.classification.reason,
        "fields": assessment.fields if assessment.is_application else (assessment.extraction.fields if assessment.extraction else {}),
        "missing": [p.field for p in problems if p.kind == "missing"],
        "invalid": [{"field": p.field, "message": p.message} for p in problems if p.kind == "invalid"],
        "eligibility": (
            {"status": assessment.decision.status, "reasons": [r.as_dict() for r in assessment.decision.reasons]}
            if assessment.decision else None
        ),
        "status": assessment.status,
        "unread_attachments": assessment.extraction.unread if assessment.extraction else [],
        "reply": (
            {"kind": reply.kind, "language": reply.language, "subject": reply.subject, "body": reply.body}
            if reply else None
        ),
    }


def render_check(result: dict, console: Console | None = None) -> None:
    console = console or Console()
    # Subjects, reasons and file names come from strangers: plain Text, never rich markup
    # (a subject holding "[/bold]" would otherwise stop the command with a MarkupError).
    table = Table(title=Text(result["file"]), show_header=False, title_justify="left")

    def add(label: str, value: str) -> None:
        table.add_row(label, Text(value))

    add("classification", f"{result['classification']} ({result['reason']})")
    if result["eligibility"]:
        add("eligibility", result["eligibility"]["status"])
        for reason in result["eligibility"]["reasons"]:
            add("", f"- {reason['message']}")
    if result["status"]:
        add("status", result["status"])
    if result["missing"]:
        add("missing", ", ".join(result["missing"]))
    for problem in result["invalid"]:
        add("invalid", f"{problem['field']}: {problem['message']}")
    if result["unread_attachments"]:
        add("not read", ", ".join(result["unread_attachments"]))
    reply = result["reply"]
    add("reply", f"{reply['kind']} in {reply['language']}: {reply['subject']}" if reply else "none")
    console.print(table)
