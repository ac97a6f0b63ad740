"""Chat Reference Coach: scenarios, transcripts, rules, intents and scoring (no Streamlit here)."""

__version__ = "0.1.0"
