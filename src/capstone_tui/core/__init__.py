"""The arithmetic and the decisions: pure functions on frozen values (no I/O, no Textual)."""
