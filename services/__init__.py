"""The domain: rules, compliance, scoring, permissions and audit. No Streamlit here."""
