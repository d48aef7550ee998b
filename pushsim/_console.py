"""The ``pushsim`` script: the command line, which Ctrl-C stops cleanly from the start.

Importing the commands takes about a second (numpy, pandas, scipy and
more). A Ctrl-C meanwhile ends the script with one line and
exit 130, as it does once a command runs (see :mod:`pushsim.cli.common`),
never with a traceback. Before that, only what the interpreter has already
imported is imported, so that the moment before Ctrl-C is answered is short.
"""

from __future__ import annotations

import sys

#: The exit code of a command stopped by Ctrl-C (128 + SIGINT).
INTERRUPTED = 130

#: Where the command was when Ctrl-C came before any command began its work.
STARTING = "while starting: nothing done"


def main() -> None:
    """Import the commands, then run the one on the command line."""
    try:
        from pushsim.cli import main as commands
    except KeyboardInterrupt:
        ignore_ctrl_c()
        sys.stderr.write(f"stopped by Ctrl-C {STARTING}\n")
        sys.exit(INTERRUPTED)
    commands()


def ignore_ctrl_c() -> None:
    """From now on Ctrl-C is ignored: the command is ending, and says how.

    A second press (an impatient user, or ``timeout``, which signals the
    process and then its group) would otherwise cut the closing line short
    with a traceback. Only the main thread can set it.
    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
