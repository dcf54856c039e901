"""Evidence files: the one store for the files users attach to a record as its evidence.

A screen that takes files hands the service an ``Upload`` (the file's name and bytes as the user
sent them). The service checks it with ``check_upload`` before its transaction, and stores it
with ``store_file`` only once everything else is valid, so a refused write leaves no file behind.

* A file is accepted by what it is, never by its name: its type is recognised from its bytes
  (``sniff_type``): JPEG, PNG and PDF by their signatures, DOCX and XLSX as zip packages with a
  ``[Content_Types].xml`` and a ``word/`` or ``xl/`` part; an image must also open as an image.
  A renamed text file, a program or any other content is refused; so is an empty file or one
  larger than the limit of ``services.settings.evidence_max_bytes`` (``MAX_UPLOAD_MB``, 10 MB).
* An accepted file is stored under ``UPLOADS_DIR`` by the SHA-256 of its content, so the same
  content is kept once, and is named by a reference ``file:uploads/<sha256>.<ext>``; images get
  a small JPEG thumbnail beside it (``thumbnail``).
* A record keeps its evidence as one text: what the user wrote, then one line per stored file's
  reference (``compose_evidence``); ``parse_evidence`` splits it again and ``open_file`` serves a
  referenced file back, never anything outside the uploads folder. Deleting a record leaves its
  files; ``purge_unreferenced`` (district admin) removes the files no record names any more.
"""

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from services.errors import ValidationError
from services.settings import evidence_max_bytes

ROOT = Path(__file__).resolve().parents[1]

# The accepted types, as the user knows them, in the order the refusal names them.
ACCEPTED_TYPES = ("jpg", "png", "pdf", "docx", "xlsx")
IMAGE_TYPES = frozenset({"jpg", "png"})
FILE_REF_PREFIX = "file:uploads/"
THUMBNAIL_PIXELS = 320
_STORED_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z]{3,4}$")
# First bytes of programs and scripts, refused with their own message.
_PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")


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

    @property
    def is_image(self) -> bool:
        return self.extension in IMAGE_TYPES


@dataclass(frozen=True)
class Evidence:
    """An evidence text split into what the user wrote and the references of its files."""

    text: str
    files: tuple[str, ...]


def uploads_dir() -> Path:
    """Where evidence files live: UPLOADS_DIR, else data/uploads under the project."""
    return Path(os.environ.get("UPLOADS_DIR") or ROOT / "data" / "uploads")


def _office_type(data: bytes) -> str | None:
    """docx or xlsx for an Office Open XML package, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return None


def _is_image(data: bytes) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


def sniff_type(data: bytes) -> str | None:
    """The accepted type the bytes are (one of ``ACCEPTED_TYPES``), or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png" if _is_image(data) else None
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg" if _is_image(data) else None
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def check_upload(upload: Upload) -> AcceptedFile:
    """The upload as an accepted file, its type recognised from its content, else a
    ValidationError: ``file_empty``, ``file_size`` (over the limit, ``mb``), ``file_program``
    (a program or script) or ``file_type`` (any other content, ``types``), checked in that
    order. The file's name plays no part."""
    data = upload.data or b""
    if not data:
        raise ValidationError("evidence.error.file_empty", field="evidence", name=upload.name)
    limit = evidence_max_bytes()
    if len(data) > limit:
        raise ValidationError(
            "evidence.error.file_size", field="evidence", name=upload.name, mb=limit // 2**20
        )
    extension = sniff_type(data)
    if extension is None:
        key = (
            "evidence.error.file_program"
            if data.startswith(_PROGRAM_SIGNATURES)
            else "evidence.error.file_type"
        )
        raise ValidationError(
            key,
            field="evidence",
            name=upload.name,
            types=", ".join(t.upper() for t in ACCEPTED_TYPES),
        )
    return AcceptedFile(data=data, extension=extension)


def check_uploads(uploads: Iterable[Upload]) -> list[AcceptedFile]:
    """``check_upload`` for each upload, in order; the first refusal stops."""
    return [check_upload(u) for u in uploads]


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


def store_files(files: Iterable[AcceptedFile]) -> list[str]:
    """``store_file`` for each file; their references in order."""
    return [store_file(f) for f in files]


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


def thumbnail(ref: str) -> bytes | None:
    """A JPEG of at most THUMBNAIL_PIXELS on its longer side for a stored image, made once and
    kept beside the files; None for a file that is no image or is gone."""
    stored = open_file(ref)
    if stored is None or not stored.is_image:
        return None
    folder = uploads_dir() / "thumbs"
    path = folder / (Path(stored.name).stem + ".jpg")
    if path.is_file():
        return path.read_bytes()
    from PIL import Image

    with Image.open(io.BytesIO(stored.data)) as image:
        image.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(out.getvalue())
    partial.replace(path)
    return out.getvalue()


def stored_refs() -> set[str]:
    """The references of every file in the store."""
    folder = uploads_dir()
    if not folder.is_dir():
        return set()
    return {FILE_REF_PREFIX + p.name for p in folder.iterdir() if _STORED_NAME.match(p.name)}


def remove_files(refs: Iterable[str]) -> int:
    """Delete the stored files (and thumbnails) of these references; how many were deleted."""
    removed = 0
    folder = uploads_dir()
    for ref in refs:
        name = ref[len(FILE_REF_PREFIX) :] if ref.startswith(FILE_REF_PREFIX) else ""
        if not _STORED_NAME.match(name):
            continue
        path = folder / name
        if path.is_file():
            path.unlink()
            removed += 1
        (folder / "thumbs" / (Path(name).stem + ".jpg")).unlink(missing_ok=True)
    return removed


def find_refs(text: str | None) -> set[str]:
    """Every file reference named anywhere in a stored text."""
    return {m.group(0) for m in re.finditer(r"file:uploads/[0-9a-f]{64}\.[a-z]{3,4}", text or "")}


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
    it: the text first, then a line per reference.

    A line of the user's text shaped like a file reference is refused: read back, it would be
    taken for an attachment, and could name a file of another unit.
    """
    if any(_is_ref(line) for line in (text or "").splitlines()):
        raise ValidationError("evidence.error.text_like_file", field="evidence")
    return "\n".join([text, *files] if text else files)


def referenced_files(session) -> set[str]:
    """Every file reference some record still names (every table column that keeps evidence)."""
    from sqlmodel import select

    from models import (
        Commendation,
        IntegratedActivity,
        OrgGuarantee,
        PlatformCheck,
        SupervisionStageEvent,
        TaskMark,
    )

    columns = (
        SupervisionStageEvent.evidence,
        TaskMark.evidence,
        OrgGuarantee.department_evidence,
        OrgGuarantee.staff_evidence,
        OrgGuarantee.training_evidence,
        PlatformCheck.evidence,
        IntegratedActivity.photos,
        Commendation.photo,
    )
    refs: set[str] = set()
    for column in columns:
        for text in session.exec(select(column).where(column.contains(FILE_REF_PREFIX))).all():
            refs |= find_refs(text)
    return refs


def purge_unreferenced(session, actor) -> int:
    """District admin: delete the stored files no record names any more (kept after their
    record was deleted); audited with the references removed. Returns how many were deleted."""
    from services import audit
    from services.permissions import require_admin

    require_admin(actor)
    orphans = sorted(stored_refs() - referenced_files(session))
    audit.record(
        session, actor, action="delete", entity="evidence_files", after={"removed": orphans}
    )
    session.commit()
    return remove_files(orphans)
