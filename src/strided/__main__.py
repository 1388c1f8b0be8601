"""`python -m strided ...` runs the `strided` command (same as the installed console script)."""

import sys

from strided.cli import main

if __name__ == "__main__":
    sys.exit(main())
