"""The evidence store: files are accepted by their content (never by their name), kept once by
their hash, served back only from the uploads folder, images with a thumbnail, and named in an
evidence text that splits back into its parts. The files are real ones made in the test."""

import hashlib
import io
import zipfile

import pytest
from PIL import Image

from services import evidence
from services.errors import ValidationError


def _image(fmt: str, size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def _pdf() -> bytes:
    """A one-page PDF, made here as a PDF writer would."""
    out = io.BytesIO()
    Image.new("RGB", (50, 50), "white").save(out, "PDF")
    return out.getvalue()


def _package(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


JPG = _image("JPEG")
PNG = _image("PNG")
PDF = _pdf()
DOCX = _package({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
XLSX = _package({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"})
ZIP = _package({"readme.txt": "a plain zip archive"})
TEXT = "这是一份会议记录，不是 PDF。\n".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    folder = tmp_path / "up"
    monkeypatch.setenv("UPLOADS_DIR", str(folder))
    return folder


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("现场.jpg", JPG, "jpg"),
        ("现场.png", PNG, "png"),
        ("调研报告.pdf", PDF, "pdf"),
        ("审议意见.docx", DOCX, "docx"),
        ("台账.xlsx", XLSX, "xlsx"),
        ("SCAN.JPEG", JPG, "jpg"),
        ("no-extension", PDF, "pdf"),  # the name plays no part
        ("picture.pdf", PNG, "png"),  # a misnamed image is still the image it is
        ("台账.docx", XLSX, "xlsx"),  # told apart by the package's parts, not the name
    ],
)
def test_a_file_is_recognised_by_its_content(name, data, extension):
    assert evidence.check_upload(evidence.Upload(name, data)) == evidence.AcceptedFile(
        data, extension
    )


@pytest.mark.parametrize(
    ("name", "data", "key"),
    [
        ("会议记录.pdf", TEXT, "evidence.error.file_type"),  # a renamed text file
        ("照片.jpg", TEXT, "evidence.error.file_type"),
        ("压缩包.docx", ZIP, "evidence.error.file_type"),  # a zip, but no Office document
        ("坏图.png", PNG[:40], "evidence.error.file_type"),  # a PNG's signature, no image
        ("setup.exe", EXE, "evidence.error.file_program"),
        ("报告.pdf", EXE, "evidence.error.file_program"),  # a program renamed
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "evidence.error.file_program"),
        ("空.pdf", b"", "evidence.error.file_empty"),
    ],
)
def test_refused_files_each_with_their_reason(name, data, key):
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload(name, data))
    assert (err.value.key, err.value.field) == (key, "evidence")
    assert err.value.params["name"] == name


def test_a_50_mb_file_is_refused_under_the_default_10_mb_limit(monkeypatch):
    monkeypatch.delenv("MAX_UPLOAD_MB", raising=False)
    big = PDF + b"0" * (50 * 2**20 - len(PDF))
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload("大文件.pdf", big))
    assert (err.value.key, err.value.params["mb"]) == ("evidence.error.file_size", 10)


def test_the_size_limit_is_a_setting_and_a_file_at_the_limit_is_accepted(monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    at_limit = PDF + b"0" * (2**20 - len(PDF))
    assert evidence.check_upload(evidence.Upload("a.pdf", at_limit)).extension == "pdf"
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload("a.pdf", at_limit + b"0"))
    assert (err.value.key, err.value.params["mb"]) == ("evidence.error.file_size", 1)


def test_the_type_refusal_names_the_accepted_types():
    with pytest.raises(ValidationError) as err:
        evidence.check_upload(evidence.Upload("x.pdf", TEXT))
    assert err.value.params["types"] == "JPG, PNG, PDF, DOCX, XLSX"


def test_a_file_is_stored_once_by_its_hash_and_served_back(uploads):
    digest = hashlib.sha256(PDF).hexdigest()
    ref = evidence.store_file(evidence.check_upload(evidence.Upload("调研报告.PDF", PDF)))
    assert ref == f"file:uploads/{digest}.pdf"
    assert (uploads / f"{digest}.pdf").read_bytes() == PDF
    assert evidence.store_file(evidence.check_upload(evidence.Upload("again.pdf", PDF))) == ref
    assert [p.name for p in uploads.iterdir()] == [f"{digest}.pdf"]  # no partial file left
    assert evidence.open_file(ref) == evidence.StoredFile(f"{digest}.pdf", "pdf", PDF)


def test_an_image_gets_a_small_jpeg_thumbnail_and_a_pdf_none(uploads):
    ref = evidence.store_file(evidence.check_upload(evidence.Upload("现场.png", PNG)))
    thumb = evidence.thumbnail(ref)
    with Image.open(io.BytesIO(thumb)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))  # 800 × 600 scaled down
    assert evidence.thumbnail(ref) == thumb  # kept, not made again
    pdf = evidence.store_file(evidence.check_upload(evidence.Upload("a.pdf", PDF)))
    assert evidence.thumbnail(pdf) is None


def test_purging_removes_only_the_files_named(uploads):
    kept = evidence.store_file(evidence.check_upload(evidence.Upload("a.jpg", JPG)))
    gone = evidence.store_file(evidence.check_upload(evidence.Upload("b.png", PNG)))
    evidence.thumbnail(gone)
    assert evidence.stored_refs() == {kept, gone}
    assert evidence.remove_files([gone, "file:uploads/../x.pdf"]) == 1
    assert evidence.stored_refs() == {kept}
    assert not list((uploads / "thumbs").iterdir())


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
    assert evidence.find_refs(f"说明 {ref}\n{other}") == {ref, other}


def test_a_typed_line_shaped_like_a_file_reference_is_refused():
    ref = "file:uploads/" + "a" * 64 + ".pdf"
    with pytest.raises(ValidationError) as err:
        evidence.compose_evidence(f"见附件\n{ref}", [])
    assert err.value.key == "evidence.error.text_like_file"
    assert evidence.parse_evidence(evidence.compose_evidence("见附件", [ref])).files == (ref,)
