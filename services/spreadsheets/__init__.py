"""Spreadsheet files: reading an upload safely (``reader``) and writing a workbook safely
(``writer``)."""
