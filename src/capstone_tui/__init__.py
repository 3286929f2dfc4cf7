"""capstone-tui: does this problem need more than one machine, and does distributing it pay?

Importing the package is cheap on purpose: no Textual, no NVML, no `datasets`/`pyarrow`.
"""

__version__ = "0.1.0"
