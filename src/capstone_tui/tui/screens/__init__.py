"""Modal screens (help, inputs)."""
