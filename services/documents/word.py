"""A Document as a Word file laid out as an official notice (公文): masthead in red, the 文号
line under it, a red rule, the title, headings, tables and charts, signature and date.

Fonts are named, not embedded: 宋体 for the title, 黑体 for headings, 仿宋 for the body are on
every Chinese Windows and in WPS; ``w:eastAsia`` carries the Chinese face so Word never falls
back to a Latin font for Chinese text.
"""

import io

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from services.documents.model import Document, Figure, Heading, Paragraph, Table

RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def _font(run, east_asia: str, size: float, *, bold: bool = False, color=None) -> None:
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph(doc, text: str, east_asia: str, size: float, *, align=None, bold=False, color=None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), east_asia, size, bold=bold, color=color)
    return p


def _red_rule(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "4"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    ppr.append(border)


def _cell_text(value) -> str:
    return "" if value is None else str(value)


def _table(doc, table: Table) -> None:
    if not table.columns:
        return  # a row without cells is not valid Word: an empty result has no table
    _paragraph(doc, table.name, HEADING_FONT, 12, align=WD_ALIGN_PARAGRAPH.CENTER)
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(name), HEADING_FONT, 10.5, bold=True)
    # The header row repeats on every page of a long table.
    trpr = grid.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(_cell_text(value)), BODY_FONT, 10.5)
    doc.add_paragraph()


def docx_bytes(document: Document, *, landscape: bool = False) -> bytes:
    doc = new_docx()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    # GB/T 9704 margins: top 37 mm, bottom 35, left 28, right 26.
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    doc.core_properties.title = document.title
    doc.core_properties.language = "zh-CN" if document.lang == "zh" else "en-GB"

    _paragraph(
        doc, document.issuer, TITLE_FONT, 26, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, color=RED
    )
    # The border goes in before the alignment: Word reads paragraph properties in schema order.
    rule = doc.add_paragraph()
    _red_rule(rule)
    rule.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(rule.add_run(document.number), BODY_FONT, 14)
    _paragraph(doc, document.title, TITLE_FONT, 20, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    width = (section.page_width - section.left_margin - section.right_margin) * 0.95
    for block in document.blocks:
        if isinstance(block, Heading):
            face = HEADING_FONT if block.level == 1 else "楷体"
            p = _paragraph(
                doc, block.text, face, 16 if block.level == 1 else 15, bold=block.level > 1
            )
            p.style = doc.styles[f"Heading {min(block.level, 3)}"]
            for run in p.runs:  # the heading style's colour and theme font give way to ours
                run.font.color.rgb = RGBColor(0, 0, 0)
        elif isinstance(block, Paragraph):
            p = _paragraph(doc, block.text, BODY_FONT, 14)
            p.paragraph_format.first_line_indent = Pt(28)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Figure):
            doc.add_picture(io.BytesIO(block.png), width=int(width))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _paragraph(doc, block.title, BODY_FONT, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    doc.add_paragraph()
    _paragraph(doc, document.signature, BODY_FONT, 14, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(doc, document.dated, BODY_FONT, 14, align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
