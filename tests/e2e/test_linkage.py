"""A clerk downloads the roster, adds voters in Excel the way the office keeps its own roster (a
title row, a 序号 column), uploads it through the real file input, reads the preview and
confirms; a file that is not a spreadsheet is refused with a message. A leader reads the
coverage screen."""

import io
import re

from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.steps import cjk_renders, go, idle, sign_in
from ui.i18n import t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _wait_until_received(page: Page, name: str) -> None:
    """The drop zone shows the file name at once; the line the script writes about the chosen
    file proves the server has the upload, so the import button acts on this file."""
    ready = t("linkage.import.ready", "zh", name=name)
    expect(page.get_by_text(ready, exact=True)).to_be_visible(timeout=60_000)
    idle(page)


def _open_screen(page: Page, app_url: str, username: str, link: str, heading: str) -> None:
    sign_in(page, app_url, username)
    go(page, link, heading)


def _new_voters_file(exported: bytes) -> bytes:
    """Two new voters of the exported roster's first constituency, linked to a deputy who
    already keeps voters there, in an office's shape: a merged title row, then a header with
    a 序号 column the import leaves aside."""
    ws = load_workbook(io.BytesIO(exported), read_only=True)["选民"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    first = next(r for r in rows[1:] if r[4])
    constituency, deputy = first[1], str(first[4]).split("、")[0]
    wb = Workbook()
    out = wb.active
    out.title = "选民"
    out.append(["测试镇选民花名册"])
    out.merge_cells("A1:F1")
    out.append(["序号", *header])
    out.append([1, "测试选民甲", constituency, "幸福社区", "13800001111", deputy])
    out.append([2, "测试选民乙", constituency, None, None, deputy])
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


def test_clerk_imports_voters_through_the_file_input(page: Page, app_url, artifacts):
    page.set_viewport_size({"width": 1440, "height": 1400})
    title = t("linkage.rosters.title", "zh")
    _open_screen(page, app_url, "clerk10", t("nav.linkage_rosters", "zh"), title)
    page.get_by_role("tab", name="批量导入").click()

    with page.expect_download() as download:
        page.get_by_role("button", name="下载现有名单（可修改后导入）").click()
    exported = open(download.value.path(), "rb").read()  # noqa: SIM115
    upload = page.locator("[data-testid='stFileUploaderDropzoneInput']")

    upload.set_input_files(
        {"name": "选民名单.xlsx", "mimeType": XLSX, "buffer": _new_voters_file(exported)}
    )
    _wait_until_received(page, "选民名单.xlsx")
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_text("第 2 行是表头，其上的行不导入。")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("不导入的列：A 序号")).to_be_visible()
    expect(page.get_by_text("将新增 2 人，更新 0 人，0 人保持不变。")).to_be_visible()
    page.screenshot(path=str(artifacts / "linkage_import_preview_zh.png"))
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：共 2 行，新增 2，更新 0，未变 0。")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("Upload")).to_have_count(0)  # no English leaks from the drop zone
    assert cjk_renders(page)
    page.screenshot(path=str(artifacts / "linkage_import_done_zh.png"))

    # A PDF renamed to .xlsx: refused with the reason, nothing written.
    upload.set_input_files(
        {"name": "假名单.xlsx", "mimeType": XLSX, "buffer": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"}
    )
    _wait_until_received(page, "假名单.xlsx")
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_text("文件有 1 处问题，未导入任何数据。", exact=False)).to_be_visible(
        timeout=60_000
    )
    expect(page.locator("[data-testid='stDataFrame']").last).to_be_visible()
    expect(page.get_by_role("button", name="下载问题清单（Excel）")).to_be_visible()
    page.screenshot(path=str(artifacts / "linkage_import_rejected_zh.png"))

    # The voters tab lists the two new voters.
    page.get_by_role("tab", name="选民").click()
    expect(page.get_by_text(re.compile(r"本选区在册选民 \d+ 人"))).to_be_visible()


def test_leader_reads_coverage_in_both_languages(page: Page, app_url, artifacts):
    page.set_viewport_size({"width": 1440, "height": 2700})
    _open_screen(
        page, app_url, "leader", t("nav.linkage_coverage", "zh"), t("linkage.coverage.title", "zh")
    )
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts).to_have_count(4, timeout=30_000)
    expect(page.get_by_text("缺口名单", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="导出缺口名单（Excel）")).to_be_visible()
    page.screenshot(path=str(artifacts / "linkage_coverage_leader_zh.png"))

    page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
    expect(page.get_by_role("heading", name="Double linkage coverage")).to_be_visible()
    expect(charts).to_have_count(4, timeout=30_000)
    expect(page.get_by_text("Gap list", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "linkage_coverage_leader_en.png"))
