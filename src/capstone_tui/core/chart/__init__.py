"""The speedup chart drawn exactly: round ticks on their rows, a braille canvas, the report SVG, bounded sampling."""
