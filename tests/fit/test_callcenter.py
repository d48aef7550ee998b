"""The call-centre records as a trace, and the shipped extract and scenario that come of it."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pushsim.errors import PushsimError
from pushsim.fit import callcenter_trace, fit
from pushsim.scenario import load_scenario
from tests.conftest import ROOT, SCENARIOS

EXTRACT = SCENARIOS / "data" / "callcenter-week.csv.gz"
WEEK = [f"2010-08-0{day}" for day in range(1, 6)]
RAW = ROOT.parent / "shared" / "data" / "callcenter" / "august-1-24.csv"
HEADER = (
    "vru_line,priority,type,date,vru_entry,vru_exit,vru_time,q_start,q_exit,q_time,"
    "outcome,ser_start,ser_exit,ser_time,server\n"
)
RECORDS = [
    # queued, then served
    "AA01,0,PS,2010-08-02,7:00:00,7:00:20,20,7:00:20,7:00:50,30,AGENT,7:00:50,7:02:30,100,AGENT01",
    # straight to an agent
    "AA01,0,PS,2010-08-02,7:01:00,7:01:10,10,0:00:00,0:00:00,0,AGENT,7:01:10,7:02:00,50,AGENT02",
    # hung up in the voice unit: never reached the queue
    "AA01,0,PS,2010-08-02,7:02:00,7:02:30,30,0:00:00,0:00:00,0,HANG,0:00:00,0:00:00,0,NO_SERVER",
    # abandoned the queue after 40 s
    "AA01,0,PS,2010-08-02,7:03:00,7:03:05,5,7:03:05,7:03:45,40,HANG,0:00:00,0:00:00,0,NO_SERVER",
    # lost track of
    "AA01,0,PS,2010-08-02,7:04:00,7:04:05,5,7:04:05,7:04:17,12,PHANTOM,0:00:00,0:00:00,0,NO_SERVER",
    # entered before midnight, reached an agent after it
    "AA01,0,PS,2010-08-02,23:59:50,0:00:05,15,0:00:00,0:00:00,0,AGENT,0:00:05,0:01:05,60,AGENT03",
]


def test_records_become_the_agents_queue(tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_text(HEADER + "\n".join(RECORDS) + "\n")
    trace = callcenter_trace(path)
    assert trace["date"].tolist() == ["2010-08-02"] * 4 + ["2010-08-03"]
    assert trace["arrival"].tolist() == [
        "7:00:20",
        "7:01:10",
        "7:03:05",
        "7:04:05",
        "0:00:05",
    ]
    assert trace["outcome"].tolist() == [
        "served",
        "served",
        "abandoned",
        "lost",
        "served",
    ]
    assert trace["wait"].tolist() == [30, 0, 40, 12, 0]
    assert trace["service"].tolist()[:2] == [100, 50] and pd.isna(trace["service"][2])
    assert trace["server"].tolist() == ["AGENT01", "AGENT02", "", "", "AGENT03"]


def test_records_in_another_layout_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("arrival,service\n1,2\n")
    with pytest.raises(
        PushsimError, match="is not in the call-centre layout: no column date"
    ):
        callcenter_trace(path)


@pytest.mark.skipif(
    not RAW.is_file(), reason="the full call-centre records are not here"
)
def test_the_shipped_extract_is_the_records_first_week() -> None:
    made = callcenter_trace(RAW, dates=WEEK).to_csv(index=False)
    assert gzip.decompress(EXTRACT.read_bytes()).decode() == made


@functools.cache
def _fresh() -> dict[str, object]:
    fitted = fit(EXTRACT, period="1d")
    return fitted.to_scenario(
        producer="calls", queue="agents", name="callcenter", slo=["wait_p80 <= 60s"]
    )


def test_the_fit_of_the_extract_is_a_valid_scenario() -> None:
    mapping = _fresh()
    scenario = load_scenario(mapping)
    arrivals = scenario.producers["calls"].arrivals
    assert arrivals.process == "profile" and len(arrivals.rates) == 24
    queue = scenario.queues["agents"]
    assert queue.ttl is not None and queue.ttl.law == "exponential"
    assert queue.consumers.count >= 1
    assert scenario.experiment.length == ("duration", 86400.0)


def test_the_shipped_scenario_is_the_fit_of_the_extract() -> None:
    shipped = load_scenario(SCENARIOS / "callcenter.yaml")
    fresh = load_scenario(_fresh())
    assert shipped.producers["calls"].arrivals == fresh.producers["calls"].arrivals
    ours, theirs = shipped.queues["agents"], fresh.queues["agents"]
    assert ours.consumers.count == theirs.consumers.count
    for a, b in (
        (ours.consumers.service, theirs.consumers.service),
        (ours.ttl, theirs.ttl),
    ):
        assert a is not None and b is not None and a.law == b.law
        # six significant digits are written; optimisers may differ in the last
        assert a.mean == pytest.approx(b.mean, rel=1e-4)
        assert a.scv == pytest.approx(b.scv, rel=1e-4)
    assert yaml.safe_load((SCENARIOS / "callcenter.yaml").read_text())[
        "experiment"
    ] == {
        "duration": "24h",
        "warmup": 0,
        "replications": 10,
        "slo": ["wait_p80 <= 60s"],
    }


def test_every_shipped_data_file_has_its_provenance_beside_it() -> None:
    readme = (EXTRACT.parent / "README.md").read_text()
    for path in EXTRACT.parent.iterdir():
        if path.name != "README.md":
            assert f"`{path.name}`" in readme, path.name
    assert "Brown" in readme and "callcenter_trace" in readme
