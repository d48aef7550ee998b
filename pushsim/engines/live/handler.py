"""The user's own consumer work: an async handler called with each delivery.

A handler is an async callable that takes a :class:`Delivery`. The live
engine awaits it in place of the simulated service: how long it really took,
times ``speed``, is the visit's service time in scenario time. An exception
raised by the handler (any ``Exception``) makes that visit a failed delivery
(outcome ``failed``); the consumer goes on with the next message.

``--handler module:function`` names it: ``module`` is an importable module
(the current folder is searched first) or the path of a ``.py`` file, and
``function`` an attribute of it (dotted for a nested one).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pushsim.errors import PushsimError

__all__ = ["Delivery", "Handler", "check_handler", "load_handler"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a handler is told about the delivery it works on (times in scenario s)."""

    message: int  #: delivery number, unique in the run
    published: int  #: number of the published message it was fanned out from
    producer: str  #: the producer that published it
    message_class: str  #: the name of its class
    key: int | None  #: its key, for classes that have one
    queue: str  #: the queue whose consumer calls the handler
    created_at: float  #: when it was published
    enqueued_at: float  #: when it reached this queue
    started_at: float  #: when this consumer took it


Handler = Callable[[Delivery], Awaitable[Any]]


def check_handler(handler: Any, where: str = "handler") -> Handler:
    """``handler`` itself, if it is an async callable; a clear error if not."""
    if not callable(handler):
        raise PushsimError(
            f"{where}: must be an async function taking the delivery, "
            f"got {type(handler).__name__} {handler!r}"
        )
    call = handler if inspect.isroutine(handler) else type(handler).__call__
    if not (inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)):
        raise PushsimError(
            f"{where}: must be an async function (async def ...), got "
            f"{getattr(handler, '__qualname__', repr(handler))}, which is not"
        )
    result: Handler = handler
    return result


def load_handler(spec: str) -> Handler:
    """The handler that ``module:function`` (or ``path/file.py:function``) names."""
    where = f"--handler {spec}"
    module_name, sep, attribute = spec.rpartition(":")
    if not sep or not module_name or not attribute:
        raise PushsimError(
            f"{where}: must read module:function (for example pushhandler:send), "
            "with the function's name after the colon"
        )
    module = _module(module_name, where)
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise PushsimError(
                f"{where}: module {module.__name__} has no attribute {attribute!r}"
            ) from None
    return check_handler(target, where)


def _module(name: str, where: str) -> ModuleType:
    if name.endswith(".py") or "/" in name or "\\" in name:
        return _module_from_file(Path(name), where)
    here = str(Path.cwd())
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise PushsimError(f"{where}: cannot import {name}: {error}") from None
    finally:
        if added:
            sys.path.remove(here)


def _module_from_file(path: Path, where: str) -> ModuleType:
    if not path.is_file():
        raise PushsimError(f"{where}: no file {path}")
    spec = importlib.util.spec_from_file_location(f"_pushsim_handler_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise PushsimError(f"{where}: {path} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
