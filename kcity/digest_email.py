"""The digest as an email for staff: text and HTML, the chart inline, the CSV attached.

    multipart/mixed
      multipart/related
        multipart/alternative
          text/plain
          text/html          (<img src="cid:...">)
        image/png            (inline, Content-ID)
      text/csv               (attachment)

``queue_digest_emails`` puts one copy per staff address in the outbox (no
hourly cap, one per day per address); the service's outbox loop sends them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

import sqlite_utils

from kcity.digest import Digest, digest_html, digest_subject, digest_text
from mail.compose import clean_header
from store.digest_outbox import enqueue_digest_email

__all__ = ["digest_email_bytes", "queue_digest_email"]


def digest_email_bytes(
    d: Digest,
    *,
    sender: str,
    to: str,
    png: bytes | None,
    csv: bytes | None,
    message_id: str | None = None,
    date: datetime | None = None,
) -> bytes:
    """The digest email's wire bytes (CRLF, 7-bit: every non-ASCII part is encoded)."""
    domain = (sender.rsplit("@", 1)[-1].strip(" >") or "localhost") if "@" in sender else "localhost"
    message_id = message_id or make_msgid("digest", domain=domain)
    chart_cid = make_msgid("chart", domain=domain)  # "<...>"

    msg = EmailMessage(policy=SMTP)
    msg["From"] = clean_header(sender)
    msg["To"] = clean_header(to)
    msg["Subject"] = clean_header(digest_subject(d))
    msg["Date"] = format_datetime(date or datetime.now(timezone.utc))
    msg["Message-ID"] = clean_header(message_id)
    # RFC 3834: generated, not a reply; no out-of-office answers to it.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    msg["X-KCity-Digest"] = d.day.isoformat()

    alternative = MIMEPart(policy=SMTP)
    alternative.set_content(digest_text(d), charset="utf-8")
    alternative.add_alternative(digest_html(d, chart_cid=chart_cid[1:-1] if png else None), subtype="html",
                                charset="utf-8")
    body = alternative
    if png:
        body = MIMEPart(policy=SMTP)
        body["Content-Type"] = "multipart/related"
        body.set_param("type", "multipart/alternative")
        body.attach(alternative)
        image = MIMEPart(policy=SMTP)
        image.set_content(png, maintype="image", subtype="png", cid=chart_cid, disposition="inline",
                          filename=f"applications-{d.day.isoformat()}.png")
        body.attach(image)
    msg["MIME-Version"] = "1.0"
    if csv is None:
        for name, value in body.items():
            msg[name] = value
        msg.set_payload(body.get_payload())
    else:
        msg["Content-Type"] = "multipart/mixed"
        msg.attach(body)
        attachment = MIMEPart(policy=SMTP)
        attachment.set_content(csv, maintype="text", subtype="csv", disposition="attachment",
                               filename=f"applications-{d.day.isoformat()}.csv", params={"charset": "utf-8"})
        msg.attach(attachment)
    return msg.as_bytes(policy=SMTP)


def queue_digest_email(
    db: sqlite_utils.Database,
    d: Digest,
    *,
    sender: str,
    to: str,
    png: bytes | None,
    csv: bytes | None,
    at: str,
) -> tuple[int | None, str]:
    """Put ``d`` for ``to`` in the outbox (once per day per address): (outbox id or None, state)."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
    message_id = make_msgid(f"digest.{d.day.isoformat()}", domain=domain)
    raw = digest_email_bytes(d, sender=sender, to=to, png=png, csv=csv, message_id=message_id,
                             date=datetime.fromisoformat(at))
    return enqueue_digest_email(
        db, day=d.day.isoformat(), to_addr=to, message_id=message_id, subject=digest_subject(d),
        body=digest_text(d), raw=raw, at=at,
    )
