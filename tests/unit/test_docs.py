"""The README keeps up with the code: every screen, setting and folder is documented."""

import re
from pathlib import Path

from ui.i18n import t
from ui.nav import PAGES_DIR, SCREENS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_screen_is_in_the_readme():
    missing = [
        s.file
        for s in SCREENS
        if (PAGES_DIR / s.file).exists() and t(s.title_key, "zh") not in README
    ]
    assert missing == []


def test_every_environment_setting_is_in_the_readme():
    names = set()
    for path in [*ROOT.glob("services/*.py"), ROOT / "models" / "db.py"]:
        names |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z_]+)\"", path.read_text()))
    names -= {"BCRYPT_ROUNDS"}  # a test-speed knob, not a setting for users
    assert names, "the scan found no settings"
    assert sorted(n for n in names if f"`{n}`" not in README) == []


def test_the_folder_map_names_real_folders():
    folders = re.findall(r"^\| `([a-z_./]+)/?` \|", README, flags=re.M)
    assert folders
    assert [f for f in folders if not (ROOT / f.rstrip("/")).exists()] == []


def test_the_two_commands_are_documented():
    assert "make run" in README and "make test" in README
    assert "Demo@2026" in README


RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_every_task_and_fund_rule_is_in_the_rules_document():
    from services.checklist_tasks import TASKS
    from services.fund_rules import FUND_RULES
    from services.rules import load_toml

    codes = [*TASKS, *FUND_RULES]
    assert len(codes) == 21
    assert [c for c in codes if f"| {c} |" not in RULES_DOC] == []
    dimensions = load_toml(ROOT / "seed" / "rules" / "2026.toml").appraisal.weights.model_dump()
    assert [d for d in dimensions if f"`{d}`" not in RULES_DOC] == []


def test_every_function_the_rules_document_names_exists():
    import importlib

    named = set(re.findall(r"`((?:services)(?:\.\w+)+)`", RULES_DOC))
    assert len(named) > 30, "the scan found too few names"
    missing = []
    for dotted in sorted(named):
        parts = dotted.split(".")
        # the longest importable module, then attributes below it
        for cut in range(len(parts), 0, -1):
            try:
                target = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for attr in parts[cut:]:
                target = getattr(target, attr, None)
            if target is None:
                missing.append(dotted)
            break
        else:
            missing.append(dotted)
    assert missing == []


def test_the_readme_links_the_rules_document():
    assert "docs/rules.md" in README
