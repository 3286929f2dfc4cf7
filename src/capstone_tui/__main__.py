"""`python -m capstone_tui` runs the same CLI as the `capstone-tui` script."""

import sys

from capstone_tui.cli import main

sys.exit(main())
