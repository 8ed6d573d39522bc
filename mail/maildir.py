"""A local Maildir as a mail source, and readers for archives (mbox, .eml folders).

Thin adapters over the stdlib ``mailbox`` module: they hand out raw bytes and
mark messages done; the pipeline does the rest.
"""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Iterator


class MaildirSource:
    """New mail is whatever has not been marked seen ('S') by us yet."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.box = mailbox.Maildir(str(self.path), factory=None, create=True)

    def pending(self) -> list[str]:
        keys = []
        for key in self.box.iterkeys():
            if "S" not in self.box.get_flags(key):
                keys.append(key)
        return sorted(keys)

    def read(self, key: str) -> bytes:
        return self.box.get_bytes(key)

    def mark_done(self, key: str) -> None:
        message = self.box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S")
        self.box[key] = message


def read_archive(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, raw bytes) of every message in a Maildir, an mbox file or a folder of .eml files."""
    path = Path(path)
    if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
        box = mailbox.Maildir(str(path), factory=None, create=False)
        for key in sorted(box.iterkeys()):
            yield key, box.get_bytes(key)
    elif path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and file.suffix.lower() in (".eml", ".msg", ".txt", "") and not file.name.startswith("."):
                yield str(file.relative_to(path)), file.read_bytes()
    elif path.is_file() and _looks_like_mbox(path):
        box = mailbox.mbox(str(path), factory=None, create=False)
        for key in box.iterkeys():
            yield f"{path.name}#{key}", box.get_bytes(key)
    elif path.is_file():
        yield path.name, path.read_bytes()
    else:
        raise FileNotFoundError(f"no such file or folder: {path}")


def count_archive(path: Path) -> int | None:
    path = Path(path)
    if path.is_dir() and (path / "cur").is_dir():
        return sum(1 for _ in mailbox.Maildir(str(path), factory=None, create=False).iterkeys())
    if path.is_dir():
        return sum(1 for f in path.rglob("*") if f.is_file() and not f.name.startswith("."))
    return None


def _looks_like_mbox(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(5) == b"From "
