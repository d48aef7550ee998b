"""The ``pushsim`` command.

Exit codes: 0 success; 1 bad input (every fault is printed, never a
traceback); 2 a usage error (an unknown option, a missing argument).
Each command lives in its own module and registers itself on ``main``.
"""

from __future__ import annotations

from pushsim.cli import (  # noqa: F401  (each module registers its commands)
    check,
    fit,
    live,
    plan,
    run,
    sweep,
)
from pushsim.cli.common import main

__all__ = ["main"]
