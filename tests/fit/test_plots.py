"""The figures of a fit: each returns its Figure and draws on a given Axes."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from pushsim.errors import PushsimError
from pushsim.fit import fit, plot_patience, plot_rates, plot_service
from tests.conftest import SCENARIOS

EXTRACT = SCENARIOS / "data" / "callcenter-week.csv.gz"


@pytest.fixture(scope="module")
def fitted():  # type: ignore[no-untyped-def]
    return fit(EXTRACT, period="1d")


def test_each_plot_returns_a_figure(fitted) -> None:  # type: ignore[no-untyped-def]
    for figure in (
        plot_rates(fitted),
        plot_service(fitted),
        plot_patience(fitted),
        plot_service(fitted, kind="histogram"),
    ):
        assert isinstance(figure, Figure)
        (ax,) = figure.axes
        assert ax.get_legend() is not None and ax.get_lines()


def test_plots_draw_on_the_axes_given(fitted) -> None:  # type: ignore[no-untyped-def]
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot_service(fitted, ax=left) is figure
    assert plot_patience(fitted, ax=right) is figure
    # the data and one curve for each of the four candidate laws
    assert len(left.get_lines()) == 5 and len(right.get_lines()) == 5
    with pytest.raises(PushsimError, match="'ecdf' or 'histogram'"):
        plot_service(fitted, kind="violin")
