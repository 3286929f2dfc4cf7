"""The Textual dashboard: a thin layer that renders the core's model."""
