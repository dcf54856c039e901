"""Documents built from the records: the two notifications of T09 (presidium work, deputies'
performance), the district's appraisal report and the one-page meeting briefing.

``records`` gathers the figures from the other services (no rule is computed twice);
``model`` is the neutral shape of a document; ``word``, ``workbook`` and ``pdf`` write it as
.docx, .xlsx and PDF; ``charts`` renders Vega-Lite specs to PNG; ``issue`` records an issued
notification with its file kept as evidence. No Streamlit here: the screen and the command line
compose the texts (``ui/documents.py``) and call these.
"""
