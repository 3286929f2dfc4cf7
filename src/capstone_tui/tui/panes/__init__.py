"""One pane per file; each receives the App's model and only renders it."""
