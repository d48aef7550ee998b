"""``pushsim fit`` as a user runs it: a summary, a scenario, and clean errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from pushsim import PushsimError
from pushsim.cli import main
from pushsim.fit import fit
from pushsim.quantities import format_value
from pushsim.scenario import load_scenario
from tests.conftest import SCENARIOS

EXTRACT = SCENARIOS / "data" / "callcenter-week.csv.gz"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fit", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_fit_writes_a_scenario_that_loads(tmp_path: Path) -> None:
    out = tmp_path / "fitted.yaml"
    code, stdout, _ = _run(
        str(EXTRACT),
        "--period",
        "1d",
        "--consumers",
        "9",
        "--out",
        str(out),
        "--plots",
        str(tmp_path / "plots"),
        "--report",
        str(tmp_path / "report"),
    )
    assert code == 0
    assert "service time: candidates by AIC" in stdout and f"wrote {out}" in stdout
    # 2913 of the extract's 10326 calls were abandoned
    assert "what the log saw: 28.2% abandoned (95% 27.3% to 29.1%)" in stdout
    scenario = load_scenario(out)
    assert scenario.queues["work"].consumers.count == 9
    assert "count: 9  # given to pushsim fit" in out.read_text()
    html = (tmp_path / "report" / "report.html").read_text()
    assert "service law (least AIC)" in html and "count: 9" in html
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "patience.png",
        "rates.png",
        "service.png",
    ]


def test_fit_without_out_prints_the_scenario(tmp_path: Path) -> None:
    trace = tmp_path / "t.csv"
    rows = "".join(f"{i * 7.5},{1 + (i * 37) % 11}\n" for i in range(200))
    trace.write_text("arrival,service\n" + rows)
    code, stdout, _ = _run(str(trace), "--interval", "none")
    assert code == 0
    text = stdout.split("scenario:\n", 1)[1]
    data = yaml.safe_load(text)
    assert data["producers"]["source"]["arrivals"]["process"] == "poisson"
    load_scenario(data)


@pytest.mark.parametrize(
    ("text", "columns", "message"),
    [
        ("time,service\n1,2\n", None, "no column 'arrival'"),
        (
            "arrival,service\n1,2\nlater,3\n",
            None,
            "line 3: column 'arrival' has 'later'",
        ),
        ("arrival,service\n1,2\n2,-1\n", None, "a duration must be >= 0"),
        ("", None, "the file is empty"),
        ("arrival,service\n1,2\n", "service=svc", "no column 'svc'"),
        ("arrival\n1\n2\n", None, "has no service times of served messages"),
        (
            "arrival,service\n" + "".join(f"{1e20 + i * 1e5:g},1\n" for i in range(9)),
            None,
            "line 2: column 'arrival' is 1e+20, out of the range of a timestamp",
        ),
        (
            "arrival,service\n"
            + "".join(
                f"{1.7e9 + 10 * i:.0f},{1e308 if i == 4 else 1 + i}\n" for i in range(9)
            ),
            None,
            "line 6: column 'service' (service) is 1e+308; a duration must be at most",
        ),
    ],
)
def test_bad_traces_exit_1_with_a_message(
    tmp_path: Path, text: str, columns: str | None, message: str
) -> None:
    trace = tmp_path / "bad.csv"
    trace.write_text(text)
    code, stdout, stderr = _run(
        str(trace), *(["--columns", columns] if columns else [])
    )
    assert code == 1
    assert message in stderr and stderr.startswith("error: ")
    assert "Traceback" not in stderr + stdout


def test_a_file_that_is_not_csv_exits_1(tmp_path: Path) -> None:
    binary = tmp_path / "data.csv"
    binary.write_bytes(bytes(range(256)))
    code, _, stderr = _run(str(binary))
    assert code == 1 and "is not a CSV file (it holds binary data)" in stderr


def test_a_file_named_gz_that_is_not_gzip_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "trace.csv.gz"
    fake.write_text("arrival\n1\n")
    with pytest.raises(PushsimError, match="is not a readable CSV file"):
        fit(fake)


@pytest.mark.parametrize("option", ["--plots", "--report"])
def test_a_folder_that_cannot_be_made_names_its_option(
    tmp_path: Path, option: str
) -> None:
    trace = tmp_path / "t.csv"
    trace.write_text("arrival,service\n1,2\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, stderr = _run(str(trace), option, str(blocker / "figures"))
    assert code == 1
    assert stderr.startswith(
        f"error: {option} {blocker / 'figures'}: cannot make the folder"
    )


def _equal_services(tmp_path: Path, rows: str) -> Path:
    trace = tmp_path / "equal.csv"
    trace.write_text("arrival,service\n" + rows)
    return trace


@pytest.mark.filterwarnings("ignore::pushsim.errors.PushsimWarning")  # a short run
def test_equal_service_times_give_a_deterministic_scenario_that_runs(
    tmp_path: Path,
) -> None:
    trace = _equal_services(
        tmp_path, "".join(f"{1700000000 + 3 * i},2\n" for i in range(30))
    )
    out = tmp_path / "equal.yaml"
    code, stdout, stderr = _run(str(trace), "--out", str(out))
    assert code == 0, stderr
    assert "service: {law: deterministic, value: 2s}" in out.read_text()
    assert "gamma: not fitted: no law with a density fits" in out.read_text()
    assert "all 30 service times are 2s (no spread)" in stdout
    result = CliRunner().invoke(main, ["run", str(out), "-r", "2", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert '"partial": false' in result.stdout


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "".join(f"{1700000000 + 3 * i},0\n" for i in range(30)),
            "column 'service': all 30 service times are 0; a service law needs at "
            "least 5 positive times to fit",
        ),
        (
            "".join("1700000000,2\n" for _ in range(30)),
            "equal.csv: all 30 arrivals are at one instant",
        ),
    ],
    ids=["zero-services", "one-instant"],
)
def test_traces_that_cannot_be_fitted_exit_1_with_one_line(
    tmp_path: Path, rows: str, message: str
) -> None:
    code, stdout, stderr = _run(str(_equal_services(tmp_path, rows)))
    assert code == 1
    assert message in stderr and stderr.startswith("error: ")
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stdout


def _hang_ups_at_once(path: Path) -> tuple[Path, float]:
    """400 messages: 337 served (101 at once), 49 abandoned (10 at once), 14 lost."""
    rng = np.random.default_rng(40)
    waits = np.concatenate(
        [
            np.zeros(101),
            np.round(1 + rng.exponential(60.0, 236)),
            np.zeros(10),
            np.round(1 + rng.exponential(200.0, 39)),
        ]
    )
    outcomes = ["served"] * 337 + ["abandoned"] * 49 + ["lost"] * 14
    rows = [
        f"{1700000000 + 20 * k},{(30 + k % 50) if k < 337 else ''},"
        f"{waits[k] if k < 386 else ''},{outcome}\n"
        for k, outcome in enumerate(outcomes)
    ]
    path.write_text("arrival,service,wait,outcome\n" + "".join(rows))
    # exponential MLE: the time waited by every message over every abandonment
    return path, float(waits.sum()) / 49


def test_hang_ups_at_once_count_in_the_patience_line_and_the_notes(
    tmp_path: Path,
) -> None:
    trace, mean = _hang_ups_at_once(tmp_path / "t400.csv")
    code, stdout, stderr = _run(str(trace), "--interval", "none")
    assert code == 0, stderr
    assert (
        f"patience: 49 abandoned, 236 censored waits; exponential mean "
        f"{format_value(mean, 's')} (95% "
    ) in stdout
    assert (
        "note: 10 abandonments after a wait of 0 counted in the exponential patience "
        "(all 49 abandonments; they add no time) but left out of the gamma, lognormal "
        "and weibull fits and of the ranking by AIC, which compares every law on the "
        "other 39 (a law on (0, inf) gives a patience of 0 no density)"
    ) in stdout
    text = stdout.split("scenario:\n", 1)[1]
    assert yaml.safe_load(text)["queues"]["work"]["ttl"] == {
        "law": "exponential",
        "mean": f"{mean:.6g}s",
    }
    assert "from 49 abandonments (10 after a wait of 0) and 236 censored" in text


def test_arrivals_at_one_instant_are_said_without_seconds_from_an_origin(
    tmp_path: Path,
) -> None:
    trace = tmp_path / "instant.csv"
    trace.write_text(
        "arrival,service\n" + "".join(f"80000,{3 + k}\n" for k in range(6))
    )
    code, _, stderr = _run(str(trace))
    assert code == 1
    assert stderr.strip() == (
        f"error: {trace}: all 6 arrivals are at one instant, so no rate can be measured"
    )
