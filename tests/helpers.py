"""Building test emails and desks: small, explicit, shared by the pipeline tests."""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

COMPLETE_FORM_EN = """\
Country: Peru
Organization: Municipality of Cusco
Organization type: Local government
Contact person: Ana Quispe
Email: ana.quispe@cusco.gob.pe
Project title: Cusco Smart Mobility Plan
Project category: Smart solution
Sectors: Transportation, Environment
Project location: Cusco, historic centre
Project summary: An integrated traffic management centre and smart bus stops.
Project status: New
Support requested: Master plan
"""

INCOMPLETE_FORM_EN = """\
Country: Peru
Organization: Municipality of Cusco
Contact person: Ana Quispe
Project title: Cusco Smart Mobility Plan
"""

FOLLOW_UP_FORM_EN = """\
Organization type: Local government
Project category: Smart solution
Sectors: Transportation
Project location: Cusco
Project summary: Smart bus stops and a traffic centre.
Project status: New
Support requested: Master plan
"""

WINDOW_DATE = datetime(2020, 2, 10, 9, 0, tzinfo=timezone.utc)


def email_bytes(
    body: str,
    *,
    sender: str = "ana.quispe@cusco.gob.pe",
    to: str = "desk@kcity.test",
    subject: str = "Application",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    date: datetime = WINDOW_DATE,
    headers: dict[str, str] | None = None,
    charset: str = "utf-8",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or f"<{abs(hash((body, sender, subject, date)))}@example.org>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body, charset=charset)
    return bytes(msg)

# The desk's own address in tests (MAIL_FROM).
DESK_ADDRESS = "K-City Network <desk@kcity.test>"


def shared_dir() -> Path:
    """``shared/`` (the call, the mail corpora): $KCITY_SHARED, else beside this checkout, else beside
    the repository this checkout was cloned from (CI clones into a scratch folder)."""
    import os
    import subprocess

    if os.environ.get("KCITY_SHARED"):
        return Path(os.environ["KCITY_SHARED"])
    repo = Path(__file__).resolve().parents[1]
    beside = repo.parent / "shared"
    if beside.is_dir():
        return beside
    origin = subprocess.run(["git", "-C", str(repo), "config", "--get", "remote.origin.url"],
                            capture_output=True, text=True).stdout.strip()
    if origin and Path(origin).is_dir() and (Path(origin).resolve().parent / "shared").is_dir():
        return Path(origin).resolve().parent / "shared"
    return beside  # missing: the tests that need it say so
