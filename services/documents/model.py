"""The neutral shape of a document, written out by ``word``, ``workbook`` and ``pdf``.

Texts here are final (already in the document's language); figures keep their types (int,
Decimal, float shares as the composer formats them) only where a table cell should stay a number
in a workbook.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    """A table; ``name`` is its caption and, in a workbook, its sheet's name."""

    name: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Figure:
    """A chart: its title, the PNG rendered from ``spec`` (a Vega-Lite dict)."""

    title: str
    png: bytes
    spec: dict = field(default_factory=dict, repr=False)


Block = Heading | Paragraph | Table | Figure


@dataclass(frozen=True)
class Document:
    """An official notice: the issuer's masthead, the 文号 line, the title, the body, the
    signature and the date."""

    issuer: str
    number: str
    title: str
    blocks: list[Block]
    signature: str
    dated: str
    lang: str = "zh"

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]
