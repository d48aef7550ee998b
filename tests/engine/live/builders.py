"""Small scenarios for the live engine's tests."""

from __future__ import annotations

from typing import Any


def line(
    *,
    rate: float = 1.0,
    service: Any = "500ms",
    servers: int = 1,
    length: dict[str, Any] | None = None,
    **queue: Any,
) -> dict[str, Any]:
    """One queue fed by evenly spaced arrivals (the k-th at k / rate seconds)."""
    return {
        "name": "line",
        "producers": {
            "src": {"arrivals": {"process": "deterministic", "rate": rate}, "to": "q"}
        },
        "queues": {"q": {**queue, "consumers": {"count": servers, "service": service}}},
        "experiment": {
            **(length or {"duration": 10.25}),
            "warmup": 0,
            "replications": 1,
        },
    }
