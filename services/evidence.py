"""Evidence files: the one store for the files users attach to a record as its evidence.

A screen that takes files hands the service an ``Upload`` (the file's name and bytes as the user
sent them). The service checks it with ``check_upload`` before its transaction, and stores it
with ``store_file`` only once everything else is valid, so a refused write leaves no file behind.

* A file is accepted by what it is: the extension of its name says which of ``ACCEPTED_TYPES``
  it claims to be, and its first bytes must carry that type's signature (a renamed program is
  refused); it must not be empty nor larger than ``MAX_UPLOAD_BYTES``.
* An accepted file is stored under ``UPLOADS_DIR`` by the SHA-256 of its content, so the same
  content is kept once, and is named by a reference ``file:uploads/<sha256>.<ext>``.
* A record keeps its evidence as one text: what the user wrote, then one line per stored file's
  reference (``compose_evidence``); ``parse_evidence`` splits it again and ``open_file`` serves a
  referenced file back, never anything outside the uploads folder.
"""

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from services.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]

# A few office and image formats, each with the first bytes every such file starts with.
ACCEPTED_TYPES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
FILE_REF_PREFIX = "file:uploads/"
_STORED_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z]{3,4}$")


@dataclass(frozen=True)
class Upload:
    """A file as the user attached it, not yet checked: its name on their computer and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class AcceptedFile:
    """An upload that passed ``check_upload``: its bytes and the type they were recognised as."""

    data: bytes
    extension: str


@dataclass(frozen=True)
class StoredFile:
    """A stored file served back: its name in the store, its type and its bytes."""

    name: str
    extension: str
    data: bytes


@dataclass(frozen=True)
class Evidence:
    """An evidence text split into what the user wrote and the references of its files."""

    text: str
    files: tuple[str, ...]


def uploads_dir() -> Path:
    """Where evidence files live: UPLOADS_DIR, else data/uploads under the project."""
    return Path(os.environ.get("UPLOADS_DIR") or ROOT / "data" / "uploads")


def _refuse_type() -> ValidationError:
    return ValidationError(
        "evidence.error.file_type", field="evidence", types=", ".join(ACCEPTED_TYPES)
    )


def check_upload(upload: Upload) -> AcceptedFile:
    """The upload as an accepted file if its type, content and size are accepted, else
    ValidationError (file_type, file_empty or file_size, in that order of checking)."""
    extension = Path(upload.name or "").suffix.lower().lstrip(".")
    if extension not in ACCEPTED_TYPES:
        raise _refuse_type()
    if not upload.data:
        raise ValidationError("evidence.error.file_empty", field="evidence")
    if len(upload.data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "evidence.error.file_size", field="evidence", mb=MAX_UPLOAD_BYTES // 2**20
        )
    if not any(upload.data.startswith(signature) for signature in ACCEPTED_TYPES[extension]):
        raise _refuse_type()
    return AcceptedFile(data=upload.data, extension=extension)


def store_file(file: AcceptedFile) -> str:
    """Keep an accepted file under its content hash and return its reference. Storing the same
    content again keeps the one copy; a file appears whole or not at all."""
    name = f"{hashlib.sha256(file.data).hexdigest()}.{file.extension}"
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(file.data)
        partial.replace(path)
    return FILE_REF_PREFIX + name


def open_file(ref: str) -> StoredFile | None:
    """The stored file a reference names, or None when it names nothing valid or is gone."""
    if not ref.startswith(FILE_REF_PREFIX):
        return None
    name = ref[len(FILE_REF_PREFIX) :]
    if not _STORED_NAME.match(name):
        return None  # never let a stored text reach outside the uploads folder
    path = uploads_dir() / name
    if not path.is_file():
        return None
    return StoredFile(name=name, extension=path.suffix.lstrip("."), data=path.read_bytes())


def _is_ref(line: str) -> bool:
    return line.strip().startswith(FILE_REF_PREFIX)


def parse_evidence(evidence: str) -> Evidence:
    """Split an evidence text into the user's text (trimmed) and its file references."""
    lines = (evidence or "").splitlines()
    return Evidence(
        text="\n".join(line for line in lines if not _is_ref(line)).strip(),
        files=tuple(line.strip() for line in lines if _is_ref(line)),
    )


def compose_evidence(text: str, files: Iterable[str]) -> str:
    """One evidence text from the user's text and file references, as ``parse_evidence`` reads
    it: the text first, then a line per reference."""
    return "\n".join([text, *files] if text else files)
