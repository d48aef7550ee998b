"""Reading a sweep frame for a figure: its varied names, rows, groups and theory.

A sweep frame (what :func:`pushsim.sweep` returns) has one row per point,
node and metric; the first varied name is the x axis of every curve and the
others, if any, split the points into one series a value.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pushsim.errors import PushsimError
from pushsim.plots._common import FloatArray
from pushsim.scenario.slo import SLO

__all__ = ["Series", "SweepFrame", "theory_curve", "vary_label"]

log = logging.getLogger("pushsim.plots")

_NEEDED = ("point", "node", "metric", "mean", "ci_low", "ci_high", "unit")


def theory_curve(frame: pd.DataFrame, points: int = 100) -> pd.DataFrame | None:
    """The theory of a sweep over a fine grid of its first varied value.

    Columns: one per varied name, then ``node, metric, theory, theory_model``.
    None when the sweep module cannot give one (a frame not made by
    :func:`pushsim.sweep`); the figures then draw the theory at the simulated
    points only. The last frame's curve is kept, so the three figures of one
    sweep work it out once (the frame is held weakly, and a frame of another
    length is taken as another frame).
    """
    key = (len(frame), points)
    if _last and _last[0][0]() is frame and _last[0][1] == key:
        return _last[0][2]
    try:
        from pushsim.sweep import theory_curve as curve
    except ImportError:
        return None
    try:
        result: pd.DataFrame | None = curve(frame, points=points)
    except PushsimError as error:
        log.info("no theory over a fine grid: %s", error)
        result = None
    _last[:] = [(weakref.ref(frame), key, result)]
    return result


#: The last frame asked about, its (length, points) and its theory curve.
_last: list[tuple[weakref.ref[pd.DataFrame], tuple[int, int], pd.DataFrame | None]] = []


@dataclass(frozen=True)
class Series:
    """The rows of one metric of one node for one value of the other varied names."""

    label: str
    key: tuple[Any, ...]
    x: np.ndarray
    mean: FloatArray
    low: FloatArray
    high: FloatArray
    saturated: np.ndarray
    theory: FloatArray
    models: tuple[str, ...]
    exact: tuple[bool, ...]


class SweepFrame:
    """A checked sweep frame, with what the figures ask of it."""

    def __init__(self, frame: pd.DataFrame, where: str) -> None:
        if not isinstance(frame, pd.DataFrame):
            raise PushsimError(
                f"{where}: needs the DataFrame that pushsim.sweep returns, got "
                f"{type(frame).__name__}"
            )
        missing = [c for c in _NEEDED if c not in frame.columns]
        if missing:
            raise PushsimError(
                f"{where}: the frame lacks the columns {missing}; pass the frame that "
                "pushsim.sweep returns"
            )
        self.frame = frame
        self.where = where
        vary = frame.attrs.get("vary") or list(
            frame.columns[: frame.columns.get_loc("point")]
        )
        vary = [str(v) for v in vary]
        absent = [v for v in vary if v not in frame.columns]
        if not vary or absent:
            raise PushsimError(
                f"{where}: the frame names no varied column (attrs['vary'] = "
                f"{frame.attrs.get('vary')!r}, columns {list(frame.columns)})"
            )
        self.vary = vary
        self.x_name = vary[0]
        self.numeric = bool(pd.api.types.is_numeric_dtype(frame[self.x_name]))
        scenario = frame.attrs.get("scenario")
        self.scenario_name = str(getattr(scenario, "name", "") or "sweep")
        self.slos: Sequence[SLO] = tuple(frame.attrs.get("slo") or ())

    @property
    def nodes(self) -> list[str]:
        """The nodes the frame has rows for."""
        return [str(n) for n in pd.unique(self.frame["node"])]

    def rows(self, node: str, metric: str) -> pd.DataFrame:
        """The rows of one node and metric, ordered by point; raise if there are none."""
        frame = self.frame
        if node not in self.nodes:
            raise PushsimError(
                f"{self.where}: no node {node!r} in the sweep; its nodes are {self.nodes}"
            )
        picked = frame[(frame["node"] == node) & (frame["metric"] == metric)]
        if picked.empty:
            known = sorted(
                str(m) for m in pd.unique(frame.loc[frame["node"] == node, "metric"])
            )
            raise PushsimError(
                f"{self.where}: no metric {metric!r} for node {node!r} in the sweep; "
                f"it has {known}"
            )
        return picked.sort_values("point", kind="stable")

    def unit(self, node: str, metric: str) -> str:
        """The unit of a metric as the frame writes it."""
        return str(self.rows(node, metric)["unit"].iloc[0])

    def series(self, node: str, metric: str) -> list[Series]:
        """One series a value of the varied names after the first, each in x order."""
        rows = self.rows(node, metric)
        others = self.vary[1:]
        if not others:
            return [self._series(rows, "", ())]
        out = []
        for key, part in rows.groupby(others, sort=False, dropna=False):
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(
                f"{_short(n)} = {_show(v)}" for n, v in zip(others, key, strict=True)
            )
            out.append(self._series(part, label, key))
        return out

    def _series(self, rows: pd.DataFrame, label: str, key: tuple[Any, ...]) -> Series:
        if self.numeric:
            rows = rows.sort_values(self.x_name, kind="stable")
        saturated = (
            rows["saturated"].to_numpy(dtype=bool)
            if "saturated" in rows
            else np.zeros(len(rows), dtype=bool)
        )
        theory = (
            _floats(rows["theory"]) if "theory" in rows else np.full(len(rows), np.nan)
        )
        models = (
            rows["theory_model"]
            if "theory_model" in rows
            else pd.Series([], dtype=object)
        )
        exact = (
            rows["theory_exact"]
            if "theory_exact" in rows
            else pd.Series([], dtype=bool)
        )
        has = np.isfinite(theory)
        return Series(
            label=label,
            key=key,
            x=rows[self.x_name].to_numpy(),
            mean=_floats(rows["mean"]),
            low=_floats(rows["ci_low"]),
            high=_floats(rows["ci_high"]),
            saturated=saturated,
            theory=theory,
            models=tuple(str(m) for m in models[has] if isinstance(m, str) and m),
            exact=tuple(bool(e) for e in exact[has]) if len(exact) else (),
        )

    def curve(
        self, curve: pd.DataFrame | None, node: str, metric: str, key: tuple[Any, ...]
    ) -> tuple[np.ndarray, FloatArray, tuple[str, ...]] | None:
        """The fine-grid theory of one series: x, values and model names, or None."""
        if curve is None or curve.empty or not self.numeric:
            return None
        others = self.vary[1:]
        if (
            any(name not in curve.columns for name in others)
            or self.x_name not in curve
        ):
            return None
        picked = curve[(curve["node"] == node) & (curve["metric"] == metric)]
        for name, value in zip(others, key, strict=True):
            picked = picked[picked[name] == value]
        picked = picked.sort_values(self.x_name, kind="stable")
        values = _floats(picked["theory"])
        if not np.isfinite(values).any():
            return None
        models = picked.loc[np.isfinite(values), "theory_model"]
        names = tuple(str(m) for m in pd.unique(models) if isinstance(m, str) and m)
        return picked[self.x_name].to_numpy(dtype=float), values, names


def _floats(column: pd.Series) -> FloatArray:
    return np.asarray(pd.to_numeric(column, errors="coerce"), dtype=float)


def _short(name: str) -> str:
    """A varied name as a legend shows it: the last two parts of a long path."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else name


def _show(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def vary_label(name: str) -> str:
    """The x-axis label of a varied name."""
    if name == "load":
        return "offered load (fraction of the bottleneck's capacity)"
    parts = name.split(".")
    if len(parts) == 4 and parts[0] == "queues" and parts[2:] == ["consumers", "count"]:
        return f"consumers at queue {parts[1]}"
    if (
        len(parts) == 4
        and parts[0] == "producers"
        and parts[2:] == ["arrivals", "rate"]
    ):
        return f"arrival rate of producer {parts[1]} (messages/s)"
    if len(parts) == 3 and parts[0] == "balancers" and parts[2] == "policy":
        return f"policy of balancer {parts[1]}"
    return name
