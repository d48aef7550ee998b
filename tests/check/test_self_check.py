"""pushsim checks itself: every shipped scenario, as it is, against its baseline.

The baselines in ``.ci/baselines`` were written by ``pushsim check scenarios/
--baseline .ci/baselines --update-baseline``. A change to the engine that moves
a result fails here, naming the scenario and the metric; a changed scenario
fails as a model change until its baseline is written again. A new scenario
fails until it has a baseline.

The drift gate decides, and the SLO verdicts are reported without deciding:
``burst.yaml`` ships as the example of a bounded queue that misses its
drop-rate objective during bursts, and ``shifts.yaml`` as a roster that
misses its abandonment objective.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pushsim.check.sources import SUFFIXES
from tests.check._support import pushsim
from tests.conftest import SCENARIOS


def test_every_shipped_scenario_runs_and_matches_its_baseline(tmp_path: Path) -> None:
    junit = tmp_path / "check.xml"
    done = pushsim(
        "check",
        "scenarios/",
        "--baseline",
        ".ci/baselines",
        "--gate",
        "drift",
        "--junit",
        str(junit),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    suites = {suite.get("name"): suite for suite in ET.parse(junit).getroot()}
    shipped = sorted(
        p.stem for p in SCENARIOS.iterdir() if p.is_file() and p.suffix in SUFFIXES
    )
    assert sorted(suites) == shipped
    for name, suite in suites.items():
        cases = {case.get("name"): case for case in suite.iter("testcase")}
        run = cases["run"]
        assert run.find("failure") is None, name
        assert "conservation holds" in (run.findtext("system-out") or ""), name
        for check in ("model", "drift"):
            assert cases[check].find("failure") is None, (name, check)
