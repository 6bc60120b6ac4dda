"""The dashboard without a browser: the controls compose a run as ``fragsim`` does, the panels' tables are
right, and the page renders (solara's test rendering), steps, and rebuilds the model from its controls."""

from __future__ import annotations

import bz2
import html
import json
import re
import socket
import subprocess
import sys
import tomllib
import warnings

import ipyvuetify as v
import numpy as np
import pandas as pd
import pycountry
import pytest
import solara

from sim.cli import dashboard as dashboard_cli
from sim.cli.dashboard import main
from sim.dashboard import app as dashboard
from sim.dashboard import charts, controls, panels
from sim.dashboard.app import DashboardModel
from sim.dashboard.controls import EXACT, SCENARIO_OWN, run_config, topology_overrides
from sim.dashboard.panels import (
    RESET_HINT,
    countries_losing_most,
    country_name,
    largest_countries,
    loss_chart,
    reachability_matrix,
    regulations_adopted,
    regulations_caption,
)
from sim.runner.schema import ConfigError
from tests.shared_data import ROOT

N_ASES = 300  # a tiny synthetic Internet: a model in ~0.1 s


@pytest.fixture(scope="module")
def stepped() -> DashboardModel:
    model = DashboardModel(n_ases=N_ASES, seed=1)
    for _ in range(3):
        model.step()
    return model


def test_controls_compose_a_run_config_like_fragsim():
    cfg = run_config(
        topology="synthetic",
        n_ases=N_ASES,
        scenario="sanctions",
        mechanism="m5_m6",
        adoption="0.3",
        n_sources=EXACT,
        seed=4,
    )
    assert (cfg.topology.kind, cfg.topology.n_ases) == ("synthetic", N_ASES)
    assert cfg.scenario.name == "sanctions" and cfg.scenario.adoption_frac == 0.3
    assert cfg.mechanism.mechanisms == ["m5", "m6"]
    assert cfg.n_sources is None and cfg.seed == 4
    own = run_config(scenario="national_shutdown", adoption=SCENARIO_OWN, n_sources="256")
    assert own.scenario.adoption_frac == 0.0 and own.n_sources == 256  # the scenario's own share is kept
    assert own.scenario.imposed  # the scenario's events come along
    assert own.mechanism.mechanisms == ["m0"]  # no mechanism chosen: the scenario's own (m0 unless it selects one)


def test_a_file_path_is_a_caida_topology_with_its_annotations():
    assert topology_overrides("caida_2016", 10, None, None) == ["topology=caida_2016"]
    assert topology_overrides("a.bz2", 10, "geo.csv", None) == [
        "topology=caida",
        "topology.path=a.bz2",
        "topology.as_country=geo.csv",
    ]


def test_a_bad_control_is_one_error_naming_the_config_key(tmp_path):
    missing = tmp_path / "no.as-rel.txt.bz2"
    with pytest.raises(ConfigError, match=r"topology.path: no such file"):
        run_config(topology=str(missing))
    with pytest.raises(ConfigError, match="scenario"):
        run_config(scenario="no_such_scenario")


def test_the_command_rejects_a_bad_default_before_serving(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--topology", str(tmp_path / "missing.bz2"), "--port", "1"])
    assert exit_info.value.code == 2
    assert "fragsim-dashboard: error: topology.path: no such file" in capsys.readouterr().err


def _truncated_topology(tmp_path):
    whole = bz2.compress((ROOT / "tests" / "data" / "fixtures" / "as_rel_small.txt").read_bytes())
    (tmp_path / "t.bz2").write_bytes(whole[: len(whole) // 2])
    return str(tmp_path / "t.bz2")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--topology", "/etc/passwd"], "/etc/passwd:1: not an AS-relationship line"),
        (["--topology", "TRUNCATED"], "t.bz2: corrupt or truncated bzip2 stream"),
        (["--n-ases", "1000000000000"], "(1,000,000,000,000 ASes) needs about"),
        (["--n-ases", "5"], "topology.n_ases must be an integer ≥ 20, got 5"),
        (["--port", "99999"], "argument --port: a port is a number from 1 to 65535, got 99999"),
        (["--port", "http"], "argument --port: not a port number: 'http'"),
        (["--host", "no.such.host.invalid"], "cannot listen on no.such.host.invalid:8765"),
        (["--seed", "-1"], "seed must be an integer ≥ 0, got -1"),
        (["--port", "BUSY"], "cannot listen on 127.0.0.1:"),
    ],
)
def test_the_command_checks_every_option_before_serving(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.setattr(dashboard_cli.os, "execve", lambda *a: pytest.fail("the server was started"))
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    args = [
        str(busy.getsockname()[1]) if a == "BUSY" else _truncated_topology(tmp_path) if a == "TRUNCATED" else a
        for a in args
    ]
    with busy, pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fragsim-dashboard: error: ") and message in err, err


def test_a_bad_option_is_one_line_from_the_console_script(tmp_path):
    """In a process of its own: no Solara warning before the message, no traceback, nothing served."""
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli.dashboard", "--topology", "/etc/passwd"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [proc.stderr.strip()] and "serving" not in proc.stderr
    assert dashboard_cli.server_environment(dashboard_cli._parser().parse_args([]))["SOLARA_CHECK_HOOKS"] == "off"


def _tick_labels(markup: str, anchor: str) -> list[str]:
    """The texts of a chart's SVG ``<text>`` elements anchored at ``anchor`` (the y axis's: "end")."""
    return re.findall(rf'<text [^>]*text-anchor="{anchor}"[^>]*>([^<]*)</text>', markup)


def test_the_loss_axis_starts_at_zero_and_the_table_says_when_it_is_cut():
    model = DashboardModel(n_ases=N_ASES, seed=1)
    chart = loss_chart(model)
    assert _tick_labels(chart, "end") == ["0%", "1%", "2%", "3%", "4%", "5%"]  # step 0: not -4.5% to 4.5%
    assert 'data-step="0"' in chart and ">Connectivity loss over time<" in chart and ">AS pairs lost<" in chart
    assert ">all AS pairs<" in chart and ">cross-border pairs<" in chart and ">step<" in chart
    assert regulations_caption(98) == "The latest 12 of 98 regulations, newest first:"
    assert regulations_caption(5) == "All 5, newest first:"


def test_the_loss_chart_draws_every_step_in_percent(stepped):
    chart = loss_chart(stepped)
    frame = stepped.datacollector.get_model_vars_dataframe()
    for step, loss in frame["loss"].items():
        assert f"<title>all AS pairs, step {step}: {loss:.1%}</title>" in chart
    top = float(_tick_labels(chart, "end")[-1].rstrip("%")) / 100
    assert top <= max(0.05, frame[["loss", "cross_border_loss"]].max().max() * 1.1) + 1e-9


def test_chart_ticks_are_round_and_say_percent():
    assert list(charts.nice_ticks(0.05)) == pytest.approx([0, 0.01, 0.02, 0.03, 0.04, 0.05])
    assert list(charts.nice_ticks(0.14)) == pytest.approx([0, 0.025, 0.05, 0.075, 0.1, 0.125])
    assert [charts.percent(v) for v in (0, 0.025, 0.1, 0.001)] == ["0%", "2.5%", "10%", "0.1%"]
    with pytest.raises(ValueError, match="top"):
        charts.nice_ticks(0.0)


def test_the_longest_country_names_are_whole_and_adopters_red(stepped, monkeypatch):
    """The "losing most" panel for the ten longest ISO names: each label whole (the browser wraps it, the browser
    test checks that none is cut), its loss in percent, adopters in red."""
    longest = sorted(pycountry.countries, key=lambda c: -len(country_name(c.alpha_2)))[:10]
    codes, names = [c.alpha_2 for c in longest], [country_name(c.alpha_2) for c in longest]
    losses = np.linspace(0.5, 0.1, 10)
    adopted = [i % 2 == 0 for i in range(10)]
    table = pd.DataFrame({"code": codes, "country": names, "loss": losses, "adopted": adopted})
    monkeypatch.setattr(panels, "countries_losing_most", lambda model: table)
    chart = panels.losers_chart(stepped)
    labels = re.findall(r'class="fragsim-bar-label"[^>]*>([^<]*)</div>', chart)
    assert [html.unescape(label) for label in labels] == [f"{c} {n}" for c, n in zip(codes, names, strict=True)]
    colors = re.findall(r'class="fragsim-bar" style="[^"]*background: (#[0-9a-f]{6})', chart)
    assert colors == [panels.ADOPTER_COLOR if a else panels.OTHER_COLOR for a in adopted]
    assert all(f">{loss:.1%}</span>" in chart for loss in losses)
    assert "the country&#x27;s AS pairs with the world lost since step 0" in chart


def test_the_console_script_is_declared():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["fragsim-dashboard"] == "sim.cli.dashboard:main"


def test_defaults_from_the_environment_reject_unknown_keys(monkeypatch):
    monkeypatch.setenv(controls.ENV_DEFAULTS, json.dumps({"n_ases": 500, "seed": 3}))
    assert controls.dashboard_defaults()["n_ases"] == 500
    monkeypatch.setenv(controls.ENV_DEFAULTS, json.dumps({"nases": 500}))
    with pytest.raises(ValueError, match="nases"):
        controls.dashboard_defaults()


def test_the_model_stops_at_the_scenarios_last_step():
    model = DashboardModel(n_ases=N_ASES, scenario="status_quo")
    assert model.n_steps == 20
    while model.running:
        model.step()
    assert model.steps == 20


def test_countries_losing_most_are_the_states_with_the_largest_loss(stepped):
    table = countries_losing_most(stepped, n=5)
    losses = sorted((s.loss for s in stepped.states.values()), reverse=True)[:5]
    assert np.allclose(table["loss"], losses) and table["loss"].iloc[0] > 0
    by_code = {s.code: s for s in stepped.states.values()}
    assert all(by_code[c].adopted == a for c, a in zip(table["code"], table["adopted"], strict=True))
    assert country_name("DE") == "Germany" and country_name("ZZ") == "ZZ"


def test_regulations_adopted_lists_every_regulation_newest_first(stepped):
    table = regulations_adopted(stepped)
    assert len(table) == len(stepped.regulations) > 0
    assert table["step"].is_monotonic_decreasing
    assert set(table["how"]) <= {"adopted", "imposed"}
    empty = regulations_adopted(DashboardModel(n_ases=N_ASES, scenario="status_quo"))
    assert empty.empty and list(empty.columns) == ["step", "state", "regulation", "target", "how"]


def test_heatmap_is_the_country_matrix_of_the_largest_states(stepped):
    codes = largest_countries(stepped, 4)
    sizes = [next(s.n_ases for s in stepped.states.values() if s.code == c) for c in codes]
    assert sizes == sorted(sizes, reverse=True)
    matrix = reachability_matrix(stepped, 4)
    assert list(matrix.index) == codes == list(matrix.columns)
    assert np.allclose(matrix.to_numpy(), stepped.country_matrix().loc[codes, codes].to_numpy())
    chart = panels.heatmap_panel(stepped).kwargs["unsafe_innerHTML"]
    assert chart.count("<rect ") == len(reachability_matrix(stepped)) ** 2 + 1  # the cells and the colour bar
    code = codes[0]
    share = stepped.country_matrix().loc[code, code]
    assert f"<title>{code} → {code}: {share:.1%} of AS pairs reachable</title>" in chart
    assert ">destination country<" in chart and ">source country<" in chart and ">100%<" in chart


def _render_page(monkeypatch):
    monkeypatch.setenv(controls.ENV_DEFAULTS, json.dumps({"n_ases": N_ASES}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Mesa's own hook-rule warning (solara_viz.py), not ours
        _, rc = solara.render(solara.AppLayout(children=[dashboard.Page()]), handle_error=False)
    return rc


def _click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_page_has_the_controls_and_stepping_redraws_the_panels(monkeypatch):
    rc = _render_page(monkeypatch)
    labels = [w.label for w in rc.find(v.Select).widgets] + [w.label for w in rc.find(v.TextField).widgets]
    for expected in ("Scenario", "Coordination mechanism(s)", "Adoption share", "Sampled sources", "Topology"):
        assert any(label.startswith(expected) for label in labels), (expected, labels)
    assert rc.find(v.Slider, label="Seed").widgets  # the seed slider (the page's style shows its value)
    rc.find(v.Html, children=[RESET_HINT]).assert_single()  # the controls say when they apply
    rc.find(v.Html, children=["Step: 0"]).assert_single()
    assert _chart_steps(rc) == ["0", "0", "0"]  # loss, heatmap, countries losing most
    _click(rc, "Reset")
    for _ in range(3):
        _click(rc, "Step")
    rc.find(v.Html, children=["Step: 3"]).assert_single()
    assert _chart_steps(rc) == ["3", "3", "3"]  # every chart was redrawn


def _chart_steps(rc) -> list[str]:
    """The step each chart on the page shows (its ``data-step``)."""
    markups = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    return [step for m in markups for step in re.findall(r'class="fragsim-chart" data-step="(\d+)"', m)]


def test_reset_rebuilds_the_model_from_the_controls(monkeypatch):
    rc = _render_page(monkeypatch)
    rc.find(v.Select, label="Scenario").widget.v_model = "status_quo"
    rc.find(v.Select, label="Coordination mechanism(s)").widget.v_model = "m5_m6"
    _click(rc, "Reset")
    rc.find(v.Html, children=["status_quo: step 0 of 20"]).assert_single()
    rc.find(v.Html, children=["Mechanisms: m5 multilateral forum + m6 public-core norm"]).assert_single()


def test_a_bad_control_shows_its_error_and_keeps_the_page_running(monkeypatch, tmp_path):
    rc = _render_page(monkeypatch)
    missing = tmp_path / "missing.as-rel.txt.bz2"
    field = rc.find(v.TextField, label="Topology: synthetic, caida_2016 or a CAIDA file path").widget
    field.v_model = str(missing)
    field.fire_event("keyup.enter", None)  # a text field's value is taken on Enter or when it loses focus
    _click(rc, "Reset")
    error = rc.find(v.Alert).widget
    assert f"topology.path: no such file '{missing}' (showing the defaults instead)" in error.children[0]
    _click(rc, "Step")
    rc.find(v.Html, children=["Step: 1"]).assert_single()  # the defaults' model runs


# -- the live world map --------------------------------------------------------------------------------------------


def test_map_values_colour_every_outline_and_say_name_and_value(stepped):
    from sim.analysis.maps import LOSS_SCALE
    from sim.dashboard.world_map import MEASURES, map_shapes, map_values

    shapes = map_shapes()
    assert len(shapes) == 176 and all(s["d"].startswith("M") for s in shapes)  # 177 outlines, Antarctica left out
    values = map_values(stepped, "loss with the world")
    assert set(values) == {s["key"] for s in shapes}
    by_code = {s["code"]: values[s["key"]] for s in shapes if s["code"]}
    for state in stepped.states.values():
        if state.code in by_code:
            entry = by_code[state.code]
            b = int(LOSS_SCALE.bin_of(np.array([state.loss]))[0])
            assert entry["fill"] == LOSS_SCALE.colors()[b]
            assert entry["text"].startswith(f"{country_name(state.code)} ({state.code}): ")
            assert LOSS_SCALE.words[b] in entry["text"]
    absent = [c for c in by_code if c not in {s.code for s in stepped.states.values()}]
    assert absent and all(by_code[c]["fill"] == "" and by_code[c]["text"].endswith("no data") for c in absent)
    for measure in MEASURES:  # every measure draws (dependence: no data without path measures)
        assert len(map_values(stepped, measure)) == len(shapes)


def test_partners_of_a_selected_country_add_up_to_its_pairs_with_the_world(stepped):
    from sim.dashboard.world_map import country_partners, partners_words
    from sim.model.metrics import country_involvement

    state = max(stepped.states.values(), key=lambda s: (s.loss, s.n_ases))
    partners = country_partners(stepped, state.code)
    c = state.country
    now, base = stepped.current.country_pairs, stepped.baseline.country_pairs
    # its pairs with the world: its domestic pairs, pairs with every other country, with unknown-country ASes
    domestic_and_unknown = lambda p: p[c, c] + p[c, -1] + p[-1, c]  # noqa: E731
    assert partners["pairs_before"].sum() + domestic_and_unknown(base) == country_involvement(base)[c]
    assert partners["pairs_now"].sum() + domestic_and_unknown(now) == country_involvement(now)[c]
    assert list(partners["lost"]) == sorted(partners["lost"], reverse=True)
    lines = partners_words(stepped, state.code)
    assert lines[0].startswith(f"Selected: {country_name(state.code)} ({state.code}), {state.loss:.1%}")
    assert lines[1].startswith(("Lost most with: ", "Lost: nobody")) and lines[2].startswith("Still reaches ")


def test_a_built_dashboard_model_has_worked_out_every_states_extraterritorial_reach():
    """Reset does the work the first Step would otherwise do (the serving operators of every state's market), and
    that changes no result: the same steps as a model built without it."""
    from sim.model.model import FragmentationModel

    model = DashboardModel(n_ases=N_ASES, seed=1)
    keys = {key[1] for key in model.world.memo if key[0] == "extraterritorial"}
    assert keys == set(model.states)
    plain = FragmentationModel(topology=model.world.topo, rng=model.run_cfg.seed, config=model.run_cfg.model_config())
    for _ in range(3):
        model.step()
        plain.step()
    assert model.datacollector.get_model_vars_dataframe().equals(plain.datacollector.get_model_vars_dataframe())
