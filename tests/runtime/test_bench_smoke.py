"""The runtime benchmark still runs and prints every figure (tiny sizes: a smoke run, not a measurement)."""

from __future__ import annotations

import re

import pytest

from bench import runtime as bench

NUMBER = r"[\d,]+ ?(?:/s|B)"


def test_the_benchmark_prints_every_figure_and_a_verdict_per_goal(capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--quick"])
    printed = capsys.readouterr().out
    for case in bench.CASES:
        assert re.search(rf"^{re.escape(case)} +{NUMBER} +{NUMBER}$", printed, re.MULTILINE), f"no figures for {case}"
    for backend in bench.BACKENDS:
        for goal in ("tell", "idle memory", "spawn"):
            assert re.search(rf"^{backend}: {goal} (MET|MISSED): ", printed, re.MULTILINE), f"{backend} {goal}"
    assert "raw fast path" in printed and "raw tasks and streams" in printed
