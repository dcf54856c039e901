"""A Document as a one-page A4 PDF (the meeting briefing), Chinese drawn with an embedded
subset of Noto Sans CJK found on this machine.

Layout, top to bottom: title, date line, the headline figures as a row of boxes (the first
table), the other blocks, then the charts side by side in the space left, scaled to fit so the
briefing stays on one page.
"""

import io

from fpdf import FPDF

from services.documents.fonts import cjk_font
from services.documents.model import Document, Figure, Heading, Paragraph, Table

PAGE_W, PAGE_H, MARGIN = 210, 297, 14
FAMILY = "cjk"
INK = (34, 34, 34)
ACCENT = (0, 114, 178)


def _pdf() -> FPDF:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    regular, bold = cjk_font(), cjk_font(bold=True)
    pdf.add_font(FAMILY, "", str(regular.path), collection_font_number=regular.index)
    pdf.add_font(FAMILY, "B", str(bold.path), collection_font_number=bold.index)
    pdf.add_page()
    pdf.set_text_color(*INK)
    return pdf


def _figures_row(pdf: FPDF, figures: list[Figure], top: float) -> None:
    from PIL import Image

    gap = 4
    width = (PAGE_W - 2 * MARGIN - gap * (len(figures) - 1)) / len(figures)
    room = PAGE_H - MARGIN - top
    x: float = MARGIN
    for fig in figures:
        with Image.open(io.BytesIO(fig.png)) as img:
            ratio = img.height / img.width
        w = min(width, room / ratio)
        # The chart draws its own title; the PDF adds no caption under it.
        pdf.image(io.BytesIO(fig.png), x=x, y=top, w=w, h=w * ratio)
        x += width + gap


def _metrics(pdf: FPDF, table: Table) -> None:
    """The headline figures: one box per column, the label above the value."""
    n = len(table.columns)
    gap = 2
    w = (PAGE_W - 2 * MARGIN - gap * (n - 1)) / n
    y = pdf.get_y()
    for i, (name, value) in enumerate(zip(table.columns, table.rows[0], strict=True)):
        x = MARGIN + i * (w + gap)
        pdf.set_draw_color(*ACCENT)
        pdf.rect(x, y, w, 20)
        pdf.set_xy(x + 1, y + 2)
        pdf.set_font(FAMILY, "", 7.5)
        pdf.multi_cell(w - 2, 3.5, str(name), align="C")
        pdf.set_xy(x + 1, y + 11)
        pdf.set_font(FAMILY, "B", 13)
        pdf.cell(w - 2, 7, str(value), align="C")
    pdf.set_xy(MARGIN, y + 24)


def _table(pdf: FPDF, table: Table) -> None:
    if not table.columns:
        return
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 6, table.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 8.5)
    with pdf.table(
        text_align="LEFT", line_height=4.6, first_row_as_headings=True, padding=0.8
    ) as grid:
        for row in [table.columns, *table.rows]:
            cells = grid.row()
            for value in row:
                cells.cell("" if value is None else str(value))
    pdf.ln(2)


def pdf_bytes(document: Document) -> bytes:
    pdf = _pdf()
    pdf.set_font(FAMILY, "B", 18)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 9, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font(FAMILY, "", 9.5)
    pdf.cell(0, 6, f"{document.issuer}　{document.dated}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    figures = [b for b in document.blocks if isinstance(b, Figure)]
    first_table = True
    for block in document.blocks:
        if isinstance(block, Heading):
            pdf.set_font(FAMILY, "B", 11.5)
            pdf.set_text_color(*ACCENT)
            pdf.cell(0, 7, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(*INK)
        elif isinstance(block, Paragraph):
            pdf.set_font(FAMILY, "", 9.5)
            pdf.multi_cell(0, 5, block.text, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Table) and first_table and len(block.rows) == 1:
            _metrics(pdf, block)
            first_table = False
        elif isinstance(block, Table):
            _table(pdf, block)
    if figures:
        _figures_row(pdf, figures, pdf.get_y() + 2)
    return bytes(pdf.output())
