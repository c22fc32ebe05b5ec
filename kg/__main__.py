"""`kg` and `python -m kg`: install the signal handlers first, then import and run the CLI.

Importing the CLI loads rdflib (a second or so): a Ctrl-C or SIGTERM in that time must end
with the same one line and exit code as one later, not a traceback.
"""

from __future__ import annotations

import signal
import sys


def main() -> None:
    from kg.errors import Interrupted, raise_interrupted

    # Ctrl-C too: as Interrupted, not KeyboardInterrupt, which click would turn into exit 1.
    signal.signal(signal.SIGINT, raise_interrupted)
    signal.signal(signal.SIGTERM, raise_interrupted)
    try:
        from kg.cli import main as run
    except (KeyboardInterrupt, Interrupted) as stop:
        sys.stderr.write("Interrupted.\n")
        sys.exit(getattr(stop, "exit_code", 128 + signal.SIGINT))
    run()


if __name__ == "__main__":
    main()
