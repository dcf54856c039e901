"""The evidence store: files are accepted by their content, kept once by their hash, served back
only from the uploads folder, and named in an evidence text that splits back into its parts."""

import hashlib

import pytest

from services import evidence
from services.errors import ValidationError

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
ZIP = b"PK\x03\x04\x14\x00\x06\x00"  # what .docx and .xlsx files are inside


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    folder = tmp_path / "up"
    monkeypatch.setenv("UPLOADS_DIR", str(folder))
    return folder


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("调研报告.pdf", PDF, "pdf"),
        ("SCAN.PDF", PDF, "pdf"),  # the extension is read in any case
        ("现场.png", PNG, "png"),
        ("photo.jpg", JPG, "jpg"),
        ("photo.jpeg", JPG, "jpeg"),
        ("审议意见.docx", ZIP, "docx"),
        ("台账.xlsx", ZIP, "xlsx"),
    ],
)
def test_accepted_files(name, data, extension):
    assert evidence.check_upload(evidence.Upload(name, data)) == evidence.AcceptedFile(
        data, extension
    )


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("run.exe", b"MZ\x90\x00", "evidence.error.file_type"),
        ("fake.pdf", b"MZ\x90\x00", "evidence.error.file_type"),  # a program renamed
        ("picture.pdf", PNG, "evidence.error.file_type"),  # another accepted type, misnamed
        ("noext", PDF, "evidence.error.file_type"),
        ("", PDF, "evidence.error.file_type"),
        ("empty.pdf", b"", "evidence.error.file_empty"),
        ("big.pdf", PDF + b"0" * 11, "evidence.error.file_size"),
    ],
)
def test_refused_files(monkeypatch, name, data, key):
    monkeypatch.setattr(evidence, "MAX_UPLOAD_BYTES", len(PDF) + 10)
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload(name, data))
    assert (err.value.key, err.value.field) == (key, "evidence")


def test_a_file_at_the_size_limit_is_accepted(monkeypatch):
    monkeypatch.setattr(evidence, "MAX_UPLOAD_BYTES", len(PDF) + 10)
    data = PDF + b"0" * 10
    assert evidence.check_upload(evidence.Upload("a.pdf", data)).data == data


def test_the_refusals_name_the_accepted_types_and_the_limit_in_mb():
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload("run.exe", b"MZ"))
    assert err.value.params["types"] == "pdf, png, jpg, jpeg, docx, xlsx"
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload("big.pdf", PDF + b"0" * (10 * 2**20)))
    assert err.value.params["mb"] == 10


def test_a_file_is_stored_once_by_its_hash_and_served_back(uploads):
    digest = hashlib.sha256(PDF).hexdigest()
    accepted = evidence.check_upload(evidence.Upload("调研报告.PDF", PDF))
    ref = evidence.store_file(accepted)
    assert ref == f"file:uploads/{digest}.pdf"
    assert (uploads / f"{digest}.pdf").read_bytes() == PDF
    assert evidence.store_file(evidence.check_upload(evidence.Upload("again.pdf", PDF))) == ref
    assert [p.name for p in uploads.iterdir()] == [f"{digest}.pdf"]  # no partial file left
    assert evidence.open_file(ref) == evidence.StoredFile(f"{digest}.pdf", "pdf", PDF)


def test_open_file_never_leaves_the_uploads_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOADS_DIR", str(tmp_path))
    (tmp_path.parent / "secret.pdf").write_bytes(PDF)
    assert evidence.open_file("file:uploads/../secret.pdf") is None
    assert evidence.open_file("file:uploads/" + "a" * 64 + ".pdf") is None  # valid name, no file
    assert evidence.open_file("调研报告") is None


def test_an_evidence_text_splits_into_the_users_text_and_its_files():
    ref = "file:uploads/" + "a" * 64 + ".pdf"
    other = "file:uploads/" + "b" * 64 + ".png"
    text = evidence.compose_evidence("审议意见\n第二行", [ref, other])
    assert text == f"审议意见\n第二行\n{ref}\n{other}"
    assert evidence.parse_evidence(text) == evidence.Evidence("审议意见\n第二行", (ref, other))
    assert evidence.compose_evidence("", [ref]) == ref
    assert evidence.parse_evidence(ref) == evidence.Evidence("", (ref,))
    assert evidence.parse_evidence("  材料  ") == evidence.Evidence("材料", ())
    assert evidence.parse_evidence("") == evidence.Evidence("", ())
