"""A local Maildir as a mail source, and readers for archives (mbox, .eml folders).

Thin adapters over the stdlib ``mailbox`` module: they hand out raw bytes and
mark messages done; the pipeline does the rest.
"""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Iterator


class MaildirSource:
    """New mail is whatever we have not marked seen ('S') yet.

    Files are read straight from new/ and cur/ (Python 3.11's ``mailbox`` has
    no cheap way to read a message's flags), following the Maildir spec:
    ``cur/<unique>:2,<flags>``.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        for sub in ("new", "cur", "tmp"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def pending(self) -> list[str]:
        keys = [f.name for f in (self.path / "new").iterdir() if not f.name.startswith(".")]
        for file in (self.path / "cur").iterdir():
            unique, _, info = file.name.partition(":")
            if not file.name.startswith(".") and "S" not in info.partition(",")[2]:
                keys.append(file.name)
        return sorted(keys)

    def read(self, key: str) -> bytes:
        return self._file(key).read_bytes()

    def mark_done(self, key: str) -> None:
        file = self._file(key)
        unique, _, info = key.partition(":")
        flags = set(info.partition(",")[2]) | {"S"}
        file.rename(self.path / "cur" / f"{unique}:2,{''.join(sorted(flags))}")

    def _file(self, key: str) -> Path:
        for sub in ("new", "cur"):
            if (self.path / sub / key).exists():
                return self.path / sub / key
        raise FileNotFoundError(f"{key} is no longer in {self.path}")


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
