"""The screens of each role. A screen is listed only when its file exists and the role may see it.

Building the list from the role on every run is the access control of the navigation; the
services check the role again on every call.
"""

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from models.enums import Role
from ui.i18n import current_lang, t

ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = ROOT / "pages"
MAIN_SCRIPT = "app.py"
DISTRICT = (Role.district_admin, Role.district_leader)
ALL = (Role.district_admin, Role.district_leader, Role.township_staff)
WRITERS = (Role.district_admin, Role.township_staff)
ADMIN = (Role.district_admin,)


@dataclass(frozen=True)
class Screen:
    file: str
    title_key: str
    icon: str
    section: str
    roles: tuple[Role, ...]


SCREENS = [
    # District roles land on the overview, a clerk on the home page of their unit.
    Screen("overview.py", "nav.overview", ":material/dashboard:", "overview", DISTRICT),
    Screen("home.py", "nav.home", ":material/home:", "overview", (Role.township_staff,)),
    Screen("scorecard.py", "nav.scorecard", ":material/scoreboard:", "overview", ALL),
    Screen("reporting.py", "nav.reporting", ":material/fact_check:", "overview", DISTRICT),
    Screen("present.py", "nav.present", ":material/slideshow:", "overview", DISTRICT),
    Screen("documents.py", "nav.documents", ":material/description:", "overview", ALL),
    # One task list (T01–T10)
    Screen("checklist_matrix.py", "nav.checklist_matrix", ":material/grid_on:", "tasks", DISTRICT),
    Screen("checklist_township.py", "nav.checklist_township", ":material/checklist:", "tasks", ALL),
    Screen("meeting_forms.py", "nav.meeting_forms", ":material/edit_note:", "tasks", WRITERS),
    # Double linkage
    Screen("linkage_coverage.py", "nav.linkage_coverage", ":material/hub:", "linkage", ALL),
    Screen("linkage_rosters.py", "nav.linkage_rosters", ":material/groups:", "linkage", WRITERS),
    Screen("contact_days.py", "nav.contact_days", ":material/event:", "linkage", WRITERS),
    # Closed-loop supervision
    Screen(
        "supervision_board.py",
        "nav.supervision_board",
        ":material/view_kanban:",
        "supervision",
        ALL,
    ),
    Screen(
        "supervision_items.py",
        "nav.supervision_items",
        ":material/task_alt:",
        "supervision",
        WRITERS,
    ),
    # Funding
    Screen("funds_overview.py", "nav.funds_overview", ":material/payments:", "funds", ALL),
    Screen("funds_entry.py", "nav.funds_entry", ":material/receipt_long:", "funds", WRITERS),
    Screen("funds_rules.py", "nav.funds_rules", ":material/tune:", "funds", ADMIN),
    # Guarantees and integrated work
    Screen("guarantees.py", "nav.guarantees", ":material/shield:", "guarantees", DISTRICT),
    Screen(
        "guarantees_entry.py",
        "nav.guarantees_entry",
        ":material/add_home_work:",
        "guarantees",
        WRITERS,
    ),
    Screen(
        "guarantees_admin.py",
        "nav.guarantees_admin",
        ":material/workspace_premium:",
        "guarantees",
        ADMIN,
    ),
    # Administration
    Screen("rules_admin.py", "nav.rules_admin", ":material/rule:", "admin", ADMIN),
    Screen("appraisal_rules.py", "nav.appraisal_rules", ":material/balance:", "admin", ADMIN),
    Screen("admin_units.py", "nav.units", ":material/location_city:", "admin", ADMIN),
    Screen("admin_users.py", "nav.users", ":material/manage_accounts:", "admin", ADMIN),
    Screen("admin_years.py", "nav.years", ":material/lock_clock:", "admin", ADMIN),
    Screen("admin_audit.py", "nav.audit", ":material/history:", "admin", ADMIN),
    # Everyone
    Screen("account.py", "nav.account", ":material/account_circle:", "account", ALL),
]
_BY_FILE = {screen.file: screen for screen in SCREENS}


def screen_of(file: str) -> Screen | None:
    """The screen a file of pages/ draws, or None for a file that is no screen."""
    return _BY_FILE.get(file)


WANTED = "_wanted_screen"


def signed_out(draw):
    """st.navigation before sign-in: every screen's path leads to ``draw`` (the login form), so
    a bookmarked or typed path shows the login form and, once signed in, its own screen (the
    path asked for is remembered for ``navigation``)."""

    def remembering(file: str | None):
        def page() -> None:
            if file is not None or WANTED not in st.session_state:
                st.session_state[WANTED] = file
            draw()

        return page

    pages = [st.Page(remembering(None), title=t("auth.form_title"), url_path="login", default=True)]
    for screen in SCREENS:
        pages.append(
            st.Page(
                remembering(screen.file),
                title=t("auth.form_title"),
                url_path=Path(screen.file).stem,
                visibility="hidden",
            )
        )
    return st.navigation(pages, position="hidden")


_MENU = "_nav_menu"  # this session's menu: (role, language), sections, pages by file


def navigation(role: Role):
    """st.navigation over the screens this role may open, grouped by section. The menu's pages
    are copied once per session, role and language from pages made once per role and language,
    and given to every run of the session: ``st.navigation`` marks the page a run may call on
    the page itself, so no two sessions share a page (a run is one session's at a time)."""
    lang = current_lang()
    menu = st.session_state.get(_MENU)
    if menu is None or menu[0] != (role, lang):
        menu = ((role, lang), *_session_menu(role, lang))
        st.session_state[_MENU] = menu
    _, sections, by_file = menu
    current = st.navigation(sections, expanded=True)
    # The screen whose path was asked for before sign-in, if this role may open it.
    wanted = st.session_state.pop(WANTED, None)
    if wanted in by_file and by_file[wanted] is not current:
        st.switch_page(by_file[wanted])
    return current


def _session_menu(role: Role, lang: str) -> tuple[dict[str, list], dict[str, Any]]:
    """A copy of each page of the role's menu in ``lang``: a page is cheap to copy and costs
    Streamlit a path check, a hash and an icon check to make."""
    sections, by_file = _menu(role, lang)
    copies = {id(page): copy.copy(page) for page in by_file.values()}
    return (
        {section: [copies[id(page)] for page in pages] for section, pages in sections.items()},
        {file: copies[id(page)] for file, page in by_file.items()},
    )


@functools.cache
def _menu(role: Role, lang: str) -> tuple[dict[str, list], dict[str, Any]]:
    """The role's menu in ``lang``, made once per process (copied for each session)."""
    sections: dict[str, list] = {}
    by_file = {}
    landing = "home.py" if role == Role.township_staff else "overview.py"
    for screen in SCREENS:
        if role not in screen.roles or not (PAGES_DIR / screen.file).exists():
            continue
        page = st.Page(
            f"pages/{screen.file}",
            title=t(screen.title_key, lang),
            icon=screen.icon,
            default=screen.file == landing,
        )
        by_file[screen.file] = page
        sections.setdefault(t(f"nav.section.{screen.section}", lang), []).append(page)
    return sections, by_file
