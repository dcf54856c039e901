"""Widgets of the guarantees screens: evidence files in and out, item and level labels, and the
parts every entry form of the guarantees shares (pick a saved record, save with a reason,
withdraw, start empty after a save)."""

from collections.abc import Callable, Mapping, Sequence

import streamlit as st
from sqlmodel import Session

from models.enums import DeputyLevel
from services.evidence import ACCEPTED_TYPES, Upload, open_file, thumbnail
from services.settings import evidence_max_bytes
from ui.forms import reason_input, saved_slot, saving, show_saved, withdraw_form
from ui.i18n import has, t

NEW = 0  # the picker's choice for a new record

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


# -- entry forms -------------------------------------------------------------------------------
# Each record kind has a slot, the prefix of its widgets' keys ("g_act_"): a save reruns the
# screen with the slot's message, and ``after_save`` empties that kind's widgets before they are
# drawn, so the form starts empty and a second click of the same button saves nothing twice.


def after_save() -> None:
    """At the top of the entry screen: empty the widgets of the form just saved and say what was
    saved, once."""
    slot = saved_slot()
    if not slot:
        return
    for key in [k for k in st.session_state if str(k).startswith(slot)]:
        del st.session_state[key]
    show_saved(slot=slot)


def record_picker(slot: str, records: Mapping[int, str], *, new: str, label: str) -> int:
    """Pick a saved record to correct, or ``NEW`` (the first choice) for a new one."""
    options = {NEW: new, **records}
    return st.selectbox(label, list(options), format_func=options.__getitem__, key=f"{slot}pick")


def form_end(slot: str, choice: int, *, submit: str, correcting: bool) -> str | None:
    """The last widgets of an entry form: the reason box when it corrects a saved record (the
    audit log keeps it), and the save button. Returns the reason ("" without a box) when the
    button is pressed, else None."""
    reason = reason_input(f"{slot}reason_{choice}") if correcting else ""
    if st.form_submit_button(submit, type="primary", key=f"{slot}submit"):
        return reason
    return None


def save(slot: str, message: str, write: Callable[[Session], object]) -> None:
    """Save through a service (``write`` gets the session); see ``ui.forms.saving``."""
    with saving(message, slot=slot) as session:
        write(session)


def withdraw(slot: str, record: int, *, what: str, write: Callable[[Session, str], object]) -> None:
    """The withdraw form of a saved record: with a reason, ``write(session, reason)``."""
    reason = withdraw_form(f"{slot}withdraw_{record}", what=what)
    if reason is not None:
        save(slot, t("correct.withdrawn"), lambda session: write(session, reason))
