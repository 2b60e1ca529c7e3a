"""``python -m badminima``: the command-line interface."""

import sys

from badminima.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
