"""``kcity ingest``: an archive of mail through the full pipeline, with a progress bar."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rich.progress import Progress

from kcity.config import Settings
from kcity.service import Desk
from mail.maildir import count_archive, read_archive


def ingest_path(settings: Settings, path: Path, *, use_message_date: bool = True) -> dict[str, int]:
    desk = Desk(settings, use_message_date=use_message_date)
    counts: dict[str, int] = {}
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("ingesting", total=count_archive(path))
            for name, raw in read_archive(path):
                outcome = desk.pipeline.process(raw, source="ingest", source_key=None)
                key = outcome.classification or outcome.status
                counts[key] = counts.get(key, 0) + 1
                progress.advance(task)
        if settings.smtp_host or settings.outbox_dir:
            report = asyncio.run(desk.deliver())
            counts["replies sent"] = report.sent
    finally:
        desk.close()
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no messages"
    print(f"{path}: {summary}")
    return counts
