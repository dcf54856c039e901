"""Shared Streamlit widgets, chart theme, formatting, i18n and cached reads."""
