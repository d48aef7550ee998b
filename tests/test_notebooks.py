"""The worked notebooks: stored without outputs, and each one runs top to bottom.

Each notebook in ``notebooks/`` is executed with nbclient on a ``python3``
kernel of the interpreter that runs the tests, with the ``notebooks`` folder
as its working directory (where Jupyter starts a notebook a user opens). A
cell that raises fails the test, which names the cell and shows its source
and the error. Figures must render inline: a figure left as a cell's value
must come out as a PNG, not as the text ``<Figure size ...>``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbclient
import nbformat
import pytest
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellExecutionError
from traitlets import default

from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"

#: The notebooks the project ships, in reading order.
EXPECTED = [
    "01-quickstart.ipynb",
    "02-capacity-planning.ipynb",
    "03-real-data-callcenter.ipynb",
    "04-model-vs-reality.ipynb",
    "05-theory-toolkit.ipynb",
]

#: Bounds on one notebook's run (seconds): the kernel's start, and each cell.
STARTUP_TIMEOUT = 120
CELL_TIMEOUT = 600

KERNEL = "python3"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _found() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


class _ThisInterpreter(KernelSpecManager):
    """Starts ``python3`` kernels on the interpreter running the tests.

    An installed kernel spec of the same name may point at another Python;
    this one never does.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != KERNEL:
            raise NoSuchKernel(kernel_name)
        spec = get_kernel_dict()
        keep = ("argv", "display_name", "language", "metadata")
        return KernelSpec(resource_dir=RESOURCES, **{k: spec[k] for k in keep})


class _Manager(AsyncKernelManager):
    """The kernel manager nbclient makes (and shuts down), with those specs."""

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return _ThisInterpreter(data_dir=self.data_dir)


def _failed_cell(notebook: Any) -> tuple[int, Any] | None:
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, output
    return None


def _failure(name: str, notebook: Any, error: CellExecutionError) -> str:
    found = _failed_cell(notebook)
    if found is None:
        return f"{name}: {error}"
    index, output = found
    trace = _ANSI.sub("", "\n".join(output.get("traceback", [])))
    source = notebook.cells[index].source
    return (
        f"{name}: cell {index} failed\n"
        f"---- cell {index} ----\n{source}\n"
        f"---- error ----\n{output.get('ename')}: {output.get('evalue')}\n{trace}"
    )


def _execute(path: Path) -> Any:
    notebook = _read(path)
    client = nbclient.NotebookClient(
        notebook,
        kernel_manager_class=_Manager,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(_failure(path.name, notebook, error), pytrace=False)
    return notebook


def test_every_notebook_is_there() -> None:
    names = [p.name for p in _found()]
    missing = [n for n in EXPECTED if n not in names]
    assert not missing, f"notebooks missing from {NOTEBOOKS}: {missing}"


@pytest.mark.parametrize("path", _found(), ids=lambda p: p.stem)
def test_stored_without_outputs(path: Path) -> None:
    notebook = _read(path)
    nbformat.validate(notebook)
    kept = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not kept, (
        f"{path.name}: cells {kept} were saved with outputs or execution counts; "
        "clear them before committing (jupyter nbconvert --clear-output --inplace)"
    )


@pytest.mark.parametrize("path", _found(), ids=lambda p: p.stem)
def test_reads_as_a_worked_example(path: Path) -> None:
    notebook = _read(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name}: the first cell must be a markdown title and the question"
    )
    prose = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "short run" in prose.lower(), (
        f"{path.name}: say in a markdown cell that the numbers come from a short "
        "run and how to make them precise"
    )
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert str(ROOT) not in code, (
        f"{path.name}: the code names this checkout's path {ROOT}; find files "
        "relative to the notebook instead"
    )


@pytest.mark.parametrize("path", _found(), ids=lambda p: p.stem)
def test_runs_top_to_bottom(path: Path) -> None:
    notebook = _execute(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), (
        f"{path.name}: not every code cell ran"
    )
    outputs = [o for c in code for o in c.get("outputs", [])]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    unrendered = [
        o
        for o in outputs
        if "image/png" not in o.get("data", {})
        and str(o.get("data", {}).get("text/plain", "")).startswith("<Figure size")
    ]
    assert not unrendered, (
        f"{path.name}: {len(unrendered)} figure(s) came out as text, not as an "
        "image; the notebook must enable the inline backend (%matplotlib inline)"
    )
    assert images, f"{path.name}: shows no figure"
