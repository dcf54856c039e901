"""Widgets of the guarantees screens: evidence files in and out, item and level labels."""

from collections.abc import Sequence

import streamlit as st

from models.enums import DeputyLevel
from services.evidence import ACCEPTED_TYPES, Upload, open_file, thumbnail
from services.settings import evidence_max_bytes
from ui.i18n import has, t

# The file picker's hint only; the store recognises every file by its content.
PICKER_TYPES = [*ACCEPTED_TYPES, "jpeg"]
IMAGE_PICKER_TYPES = ["jpg", "jpeg", "png"]


def item_label(code: str) -> str:
    """The label of a platform check item; an item the admin added shows its code."""
    key = f"guarantees.item.{code}"
    return t(key) if has(key) else code


def level_label(level: DeputyLevel | str) -> str:
    return t(f"guarantees.level.{getattr(level, 'value', level)}")


def file_input(label: str, *, key: str, images_only: bool = False, multiple: bool = True):
    """A file picker with the accepted types and the size limit said under it."""
    mb = evidence_max_bytes() // 2**20
    picked = st.file_uploader(
        label,
        type=IMAGE_PICKER_TYPES if images_only else PICKER_TYPES,
        accept_multiple_files=multiple,
        max_upload_size=mb,
        key=key,
    )
    types = "JPG, PNG" if images_only else ", ".join(x.upper() for x in ACCEPTED_TYPES)
    st.caption(t("guarantees.files.note", types=types, mb=mb))
    return picked


def uploads(picked) -> list[Upload]:
    """The picked files as uploads for a service (none, one or several)."""
    if picked is None:
        return []
    files = picked if isinstance(picked, list) else [picked]
    return [Upload(f.name, f.getvalue()) for f in files]


def show_files(refs: Sequence[str], *, key: str) -> None:
    """Thumbnails of images and a download button per file; a file gone is said to be missing.
    Only references a service handed out after checking the reader's unit reach here."""
    for n, ref in enumerate(refs):
        stored = open_file(ref)
        if stored is None:
            st.caption(t("guarantees.files.missing"))
            continue
        if stored.is_image and (thumb := thumbnail(ref)) is not None:
            st.image(thumb, width=160)
        st.download_button(
            t("guarantees.files.download", ext=stored.extension.upper()),
            data=stored.data,
            file_name=stored.name,
            key=f"{key}_file_{n}",
        )
