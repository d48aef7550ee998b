"""The public surface of ``import pushsim``: every name in ``__all__``, loaded at first use.

``import pushsim`` imports none of the heavy libraries; each public name is
imported from its module as it is first used, and the functions that share a
name with their subpackage (``pushsim.plan``, ``pushsim.sweep`` ...) stay the
functions whatever was imported before.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

import pushsim
from tests.conftest import ROOT

#: The public functions named like the subpackage that defines them.
SHADOWING = ("check", "compare", "fit", "plan", "simulate", "sweep")


def _python(code: str) -> str:
    """Run ``code`` in a fresh interpreter; its output."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_pushsim_imports_no_heavy_library() -> None:
    code = (
        "import sys, pushsim; print(sorted(m for m in "
        "('numpy', 'pandas', 'scipy', 'simpy', 'matplotlib', 'pydantic', 'typing') "
        "if m in sys.modules))"
    )
    assert _python(code).strip() == "[]"


def test_all_lists_every_public_name_once() -> None:
    assert len(set(pushsim.__all__)) == len(pushsim.__all__)
    assert set(pushsim.__all__) == {*pushsim._HOMES, "__version__"}


@pytest.mark.parametrize("name", pushsim.__all__)
def test_every_public_name_is_there(name: str) -> None:
    assert name in dir(pushsim)
    value = getattr(pushsim, name)
    assert value is not None
    if name != "__version__":
        assert getattr(value, "__name__", name) == name


def test_the_functions_keep_their_names_over_their_subpackages() -> None:
    subpackages = "; ".join(f"import pushsim.{name}" for name in SHADOWING)
    code = (
        f"{subpackages}\nimport pushsim.sweep.run, pushsim.plan.planning\n"
        "import pushsim\n"
        f"print([type(getattr(pushsim, n)).__name__ for n in {SHADOWING!r}])\n"
        "from pushsim import plan, sweep\n"
        "print(plan.__module__, sweep.__module__)"
    )
    kinds, modules = _python(code).splitlines()
    assert kinds == str(["function"] * len(SHADOWING))
    assert modules == "pushsim.plan.planning pushsim.sweep.run"


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(
        AttributeError, match="module 'pushsim' has no attribute 'simulated'"
    ):
        pushsim.simulated  # noqa: B018


def test_the_script_starts_from_the_console_module() -> None:
    (script,) = entry_points(group="console_scripts", name="pushsim")
    assert script.value == "pushsim._console:main"
