"""``python -m srcdiff``: the command line (see ``srcdiff.cli``)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
