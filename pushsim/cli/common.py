"""What every ``pushsim`` command shares: consoles, errors, progress, formats.

Exit codes: 0 success; 1 bad input (every fault is printed, never a
traceback); 2 a usage error (an unknown option, a missing argument); 130
stopped by Ctrl-C, after a line that says what was done. A Ctrl-C that
comes once a command has printed and written everything stops nothing, and
is ignored: the command ends as it would have. One that comes once the last
replication (or run) has finished, before the result is printed, is ignored
too: nothing is missing. A command writes its data files before its report, so
that a stop while the report is drawn keeps them.
"""

from __future__ import annotations

import logging
import math
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from pushsim import __version__
from pushsim._console import INTERRUPTED, STARTING, ignore_ctrl_c
from pushsim.errors import PushsimError, ScenarioError
from pushsim.quantities import format_value

log = logging.getLogger("pushsim.cli")


def _console(**options: Any) -> Console:
    console = Console(highlight=False, soft_wrap=True, emoji=False, **options)
    if not console.is_terminal:
        console.width = max(
            console.width, 140
        )  # a pipe or a file: do not squeeze tables
    return console


stdout = _console()
stderr = _console(stderr=True)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    stderr.print(f"[yellow]warning:[/] {message}", markup=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input ends the command with its message and exit code 1, never a traceback."""
    previous = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        yield
    except ScenarioError as error:
        stderr.print(str(error), markup=False)
        sys.exit(1)
    except PushsimError as error:
        stderr.print(f"error: {error}", markup=False)
        sys.exit(1)
    finally:
        warnings.showwarning = previous


Counts = Callable[[int, int], None]
Writer = Callable[[Path], list[Path]]


class Stop:
    """How far a command has got, for the line that a Ctrl-C ends it with.

    ``doing`` ends the sentence "stopped by Ctrl-C ...": where the command
    was and what it had printed and written. :meth:`deliver` and
    :meth:`finish` move it on; a command sets ``doing`` for its other steps.

    Within :func:`stopped_by_ctrl_c`, :meth:`press` answers Ctrl-C: a press
    stops the work, and the presses after it are let go while what was done
    is gathered, so that a second press (or ``timeout``'s second signal)
    cannot lose it. A press once the last piece of work has finished
    (:meth:`counting`) stops nothing and is let go too: nothing is missing.
    :meth:`deliver` makes Ctrl-C stop the command again.
    """

    def __init__(self, doing: str) -> None:
        self.doing = doing
        self.folder: Path | None = None
        self.stoppable = True

    def press(self, signum: int, frame: Any) -> None:
        """The SIGINT handler: stop the work, if there is any left to stop."""
        if self.stoppable:
            self.stoppable = False
            raise KeyboardInterrupt

    def counting(self, show: Counts | None) -> Counts:
        """A progress callback that passes the counts to ``show`` (if any).

        Once every piece of work has finished, a press has nothing to stop.
        """

        def count(done: int, total: int) -> None:
            if done >= total:
                self.stoppable = False
            if show is not None:
                show(done, total)

        return count

    def deliver(
        self,
        what: str,
        show: Callable[[], None],
        folder: Path | None = None,
        *,
        data: Writer | None = None,
        report: Writer | None = None,
    ) -> None:
        """Print ``what`` by ``show()``; into ``folder``, write ``data`` then ``report``.

        The data files come first, so that a stop while the report is drawn
        keeps them. The paths written are listed last, once Ctrl-C can no
        longer stop anything.
        """
        self.stoppable = True
        self.doing = f"while printing {what}: nothing written"
        show()
        written = []
        if folder is not None:
            written = self._write(folder, data, report)
        self.finish()
        for path in written:
            stderr.print(f"wrote {path}", markup=False)

    def _write(
        self, folder: Path, data: Writer | None, report: Writer | None
    ) -> list[Path]:
        """The data files, then the report; ``doing`` says which are complete."""
        self.folder = folder
        self.doing = f"while writing into {folder}: its files may be incomplete"
        written = [] if data is None else data(folder)
        if written:
            self.doing = (
                f"while writing into {folder}: {_listed(written)} written, "
                "the report may be incomplete"
            )
        return written + ([] if report is None else report(folder))

    def finish(self) -> None:
        """Everything is printed and written: Ctrl-C is ignored from now on.

        Nothing is left to stop. Acted on, a Ctrl-C would turn the finished
        command into a failure: exit 130, or, as the interpreter shuts down,
        a kill by the signal without a word. Only the main thread can set
        it; :class:`_Commands` says how long it lasts.
        """
        where = "" if self.folder is None else f" and written into {self.folder}"
        self.doing = f"after everything was printed{where}: nothing is missing"
        ignore_ctrl_c()


def _listed(paths: list[Path]) -> str:
    """``a.csv and b.json are``: the names of ``paths``, with their verb."""
    names = [path.name for path in paths]
    if len(names) == 1:
        return f"{names[0]} is"
    return f"{', '.join(names[:-1])} and {names[-1]} are"


@contextmanager
def stopped_by_ctrl_c(stop: Stop) -> Iterator[Stop]:
    """Ctrl-C ends the command with exit 130 and one line: what ``stop`` says.

    In the main thread, where Ctrl-C raises KeyboardInterrupt as usual,
    :meth:`Stop.press` answers it meanwhile.
    """
    previous = _answer_ctrl_c(stop.press)
    try:
        yield stop
    except KeyboardInterrupt:
        ended_by_ctrl_c(stop.doing)
    finally:
        if previous is not None and signal.getsignal(signal.SIGINT) == stop.press:
            signal.signal(signal.SIGINT, previous)


def _answer_ctrl_c(handler: Callable[[int, Any], None]) -> Any:
    """Let ``handler`` answer Ctrl-C, if it raises KeyboardInterrupt as usual here.

    Returns the handler replaced, or None when there is none to replace: off
    the main thread, or when Ctrl-C is ignored or handled by another.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return None
    return signal.signal(signal.SIGINT, handler)


def ended_by_ctrl_c(doing: str) -> NoReturn:
    """End the command, stopped by Ctrl-C ``doing`` so: one line, exit 130."""
    ignore_ctrl_c()
    stderr.print(f"stopped by Ctrl-C {doing}", markup=False)
    sys.exit(INTERRUPTED)


class _Command(click.Command):
    """A ``pushsim`` command, which Ctrl-C ends with one line, whatever it does.

    Commands that keep what they have done (``run``, ``sweep``, ``plan``) say
    more, by :func:`stopped_by_ctrl_c`; this line serves the others.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            ended_by_ctrl_c(f"before pushsim {ctx.info_name} had finished")


class _Commands(click.Group):
    """The ``pushsim`` group, which gives Ctrl-C back its handler as it returns.

    Called without arguments, it runs the process's own command line (the
    ``pushsim`` script): a Ctrl-C ignored then stays ignored until the process
    has ended. Called with them (a test, a notebook), it puts back the handler
    it found, so that the caller can be stopped again. A Ctrl-C before a
    command has begun (its options being read) ends it with one line.
    """

    command_class = _Command

    def main(self, *args: Any, **options: Any) -> Any:
        own = (args[0] if args else options.get("args")) is None
        if own or threading.current_thread() is not threading.main_thread():
            return super().main(*args, **options)
        previous = signal.getsignal(signal.SIGINT)
        try:
            return super().main(*args, **options)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    def make_context(self, *args: Any, **options: Any) -> click.Context:
        try:
            return super().make_context(*args, **options)
        except KeyboardInterrupt:
            ended_by_ctrl_c(STARTING)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            ended_by_ctrl_c(STARTING)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pushsim")
def main() -> None:
    """Queueing simulation and capacity planning for message-push systems."""


@contextmanager
def progress_bar(
    total: int | None, enabled: bool, label: str = "replications"
) -> Iterator[Callable[[int, int], None] | None]:
    """A bar on stderr, or None; ``total`` None takes it from the first update."""
    if not enabled or (total is not None and total < 2):
        yield None
        return
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda done, of: bar.update(task, completed=done, total=of)


def cell(summary: Any, node: str, metric: str) -> str:
    row = summary[(summary.node == node) & (summary.metric == metric)]
    if row.empty:
        return "-"
    mean, low, high, unit = row.iloc[0][["mean", "ci_low", "ci_high", "unit"]]
    text = format_value(mean, unit)
    if math.isnan(low) or math.isnan(high):
        return text
    half = (high - low) / 2
    if abs((mean - low) - half) > 1e-9 * max(abs(half), 1e-300):
        # held to the metric's range at one end: show both ends
        ends = (format_value(end, unit, digits=2) for end in (low, high))
        return f"{text} [{', '.join(ends)}]"
    return f"{text} ±{format_value(half, unit, digits=2)}"


def ensure_folder(folder: Path, option: str) -> None:
    """Make an output folder now, so that a bad one fails before any work is done.

    ``option`` is the command-line option that gave the folder, for the message.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PushsimError(
            f"{option} {folder}: cannot make the folder: {error.strerror}"
        ) from None
