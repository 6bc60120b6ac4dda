"""Seeded, bounded fuzzing of the command line's overrides (issue 14, item 2).

Each override set (one to three overrides, drawn from one seeded numpy generator) goes through ``fragsim``'s own
check, :func:`sim.cli.fragsim.validate` (compose every job, check it, build its topology and check the run against
it), in this process: hundreds of sets take seconds, not the minutes of as many processes. Each override is judged
by an independent *oracle* written here from the keys and ranges ``docs/scenarios.md`` documents, working on the
Python value the override's text stands for, not on OmegaConf's conversions:

- when the oracle accepts every override of a set, ``validate`` must accept it, the run configuration must hold
  exactly the oracle's values, and the run folder Hydra would write must be one flat folder in ``runs/single/``
  of the working folder (the sweep folder inside ``runs/``);
- when it refuses one, ``validate`` must raise ``ConfigError`` with one line that names a refused key;
- anything else (another exception: a traceback; an acceptance the oracle refuses; a wrong value) is a failure,
  listed with its overrides. Nothing may be written anywhere in the working folder.

The families: valid values, wrong types, NaN / inf / -inf / 1e309, negative and huge numbers, typos of real keys,
``+key=`` / ``++key=`` / ``~key``, empty values, long and non-ASCII strings, path-like values (``/``, ``..``, a NUL
byte), config group choices. A few sets also run end to end in real ``fragsim`` processes
(``test_fuzzed_sets_end_to_end``): exit status 2 and one message, or a run folder inside the output folder.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hydra._internal.config_loader_impl import get_overrides_dirname  # the function Hydra names folders with
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from sim.cli.fragsim import validate
from sim.runner.compose import compose, compose_runs
from sim.runner.groups import group_options
from sim.runner.schema import ConfigError
from tests.cli_output import one_error

SEED = 1402  # issue 14, item 2
N_SETS = 320
MECHANISMS = [f"m{i}" for i in range(9)]
ROLES = ["tier1", "ixp", "dns_root"]
ABSENT = object()


# -- the oracle: each key's documented values ------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    kind: str  # frac, nonneg, real, int0, int1, n_ases, steps, bool, choice, name, text, path, folder, ...
    choices: tuple = ()


FRACS = ("adoption_frac", "conflict_tolerance", "profile_spread", "compliance_cost", "loss_tolerance_mean")
WEIGHTS = ("sovereignty_weight", "imitation_weight", "retaliation_weight", "cost_weight", "strengthen_step")
KEYS: dict[str, Key] = {
    "seed": Key("int0"),
    "n_sources": Key("int1_or_null"),
    "sample": Key("null_only"),  # a row of paths.samples: none is given
    "sweep_name": Key("text"),
    "topology.kind": Key("choice", ("synthetic",)),  # caida needs a file
    "topology.n_ases": Key("n_ases"),
    "topology.seed": Key("int0"),
    "topology.strict": Key("bool"),
    "topology.infer_countries": Key("bool"),
    **{f"topology.{k}": Key("caida_only") for k in ("path", "as_country", "state_owned", "as_org")},
    "scenario.name": Key("name"),
    "scenario.description": Key("description"),
    "scenario.steps": Key("steps"),
    **{f"scenario.{k}": Key("frac") for k in (*FRACS, "segment_threshold")},
    "scenario.adopter_choice": Key("choice", ("size", "random")),
    "scenario.operator_choice": Key("choice", ("weigh", "exit")),
    "scenario.market": Key("choice", ("address_space", "ases", "cone")),
    "scenario.restore_delay": Key("int0"),
    **{f"scenario.decision.{k}": Key("nonneg") for k in (*WEIGHTS, "escalation_cost", "base_pressure", "shock_size")},
    "scenario.decision.pressure_trend": Key("real"),
    "scenario.decision.shock_prob": Key("frac"),
    "scenario.decision.shock_decay": Key("frac"),
    "mechanism.name": Key("name"),
    "mechanism.mechanisms": Key("mechanisms"),
    "mechanism.params.leader": Key("leader"),
    **{
        f"mechanism.params.{k}": Key("frac")
        for k in (
            "comply_prob",
            "retaliate_prob",
            "agreement_share",
            "recognition_tolerance",
            "harmonization_rate",
            "norm_adherence",
            "rehome_rate",
        )
    },
    "mechanism.params.join_cost": Key("nonneg"),
    "mechanism.params.rehome_cost": Key("nonneg"),
    **{f"mechanism.params.{k}": Key("int0") for k in ("agreements_per_step", "forum_seed", "rehome_delay")},
    "mechanism.params.protected_roles": Key("roles"),
    "paths.data": Key("folder"),
    "paths.samples": Key("path_or_null"),
}
MAX_MAGNITUDE = 1e6  # docs/scenarios.md: weights, costs and pressures within ±10^6
#: the keys whose default is null (on the synthetic topology)
NULL_BY_DEFAULT = {
    "sample",
    "paths.samples",
    "topology.path",
    "topology.as_country",
    "topology.state_owned",
    "topology.as_org",
}
BASE = ["topology.n_ases=300"]  #: before every set: a small topology (a set's own n_ases wins)
SMALL_N_ASES = (20, 60, 300)  # accepted; 10^8 and more is over any budget here; nothing in between is drawn
HUGE = (10**8, 10**12, 10**30)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _printable(s: str) -> bool:
    """No control, format, separator (other than the space), surrogate or unassigned character."""
    return all(c == " " or unicodedata.category(c)[0] not in "CZ" for c in s)


def judge(key: str, value, cwd: Path):
    """The oracle: ``(True, expected value)`` when ``key=value`` is a valid run value, else ``(False, None)``."""
    kind, choices = KEYS[key].kind, KEYS[key].choices
    if kind in ("frac", "nonneg", "real"):
        low, high = {"frac": (0, 1), "nonneg": (0, MAX_MAGNITUDE), "real": (-MAX_MAGNITUDE, MAX_MAGNITUDE)}[kind]
        ok = _is_num(value) and math.isfinite(value) and low <= value <= high
        return (True, float(value)) if ok else (False, None)
    if kind in ("int0", "int1", "int1_or_null", "n_ases", "steps"):
        if kind == "int1_or_null" and value is None:
            return True, None
        low = {"int0": 0, "int1": 1, "int1_or_null": 1, "n_ases": 20, "steps": 0}[kind]
        ok = _is_int(value) and value >= low and not (kind in ("n_ases", "steps") and value >= HUGE[0])
        return (True, value) if ok else (False, None)
    if kind == "null_only":
        return (value is None, None)
    if kind == "bool":
        return (True, value) if isinstance(value, bool) else (False, None)
    if kind == "choice":
        return (True, value) if value in choices else (False, None)
    if kind == "caida_only":  # the synthetic topology reads no file
        return (value is None, None)
    if kind in ("name", "text", "description", "leader"):
        text = str(value) if _is_int(value) else value  # OmegaConf keeps an integer's digits as text
        if not isinstance(text, str) or "\0" in text:
            return False, None
        if kind == "description":
            return True, text
        if kind == "leader":
            ok = text == "" or (len(text) == 2 and all("A" <= c <= "Z" for c in text))
            return (True, text) if ok else (False, None)
        ok = _printable(text) and (kind == "text" or text.strip() != "")
        return (True, text) if ok else (False, None)
    if kind in ("folder", "path_or_null"):
        if value is None and kind == "path_or_null":
            return True, None
        text = str(value) if _is_int(value) else value
        if not isinstance(text, str) or "\0" in text or (kind == "folder" and text == ""):
            return False, None
        if text == "":
            return True, ""
        return True, os.path.abspath(os.path.join(cwd, os.path.expanduser(text)))
    if kind in ("mechanisms", "roles"):
        pool = MECHANISMS if kind == "mechanisms" else ROLES
        ok = isinstance(value, list) and all(isinstance(v, str) and v in pool for v in value)
        ok = ok and (kind == "roles" or len(value) > 0)
        return (True, list(value) if kind == "mechanisms" else tuple(value)) if ok else (False, None)
    raise AssertionError(kind)


# -- the generator ---------------------------------------------------------------------------------------------

WORDS = ["size", "random", "weigh", "exit", "cone", "ases", "US", "GB", "m5", "tier1", "abc", "None", "x1"]
UNICODE = ["é", "中文", "🙂", "العربية", "e\u0301", "Ω", "ß", "Ꭰ"]
ODD_CHARS = ["\0", "\n", "\t", "\x7f", "\u200b", "\u00a0", "\u2028"]
PATHS = ["/etc/passwd", "../../../escaped", "a/b/c", "..", ".", "~/x", "/", "x/../../y", "data", "/tmp/x y"]
NUMBERS = [float("nan"), float("inf"), float("-inf"), "1e309", -1, -0.5, 0, 0.0, 1, 1.5, 2, 1e6, 1e6 + 1, 1e300]


def render(value) -> str:
    """The override text Hydra reads as ``value``: numbers, true/false, null, lists, strings (quoted unless plain)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan" if math.isnan(value) else repr(value))
    if isinstance(value, list):
        return "[" + ",".join(render(v) for v in value) + "]"
    if value == "1e309":  # a literal overflowing to inf
        return value
    plain = value and value.isascii() and all(c.isalnum() or c in "_/-." for c in value) and value[0].isalpha()
    plain = plain and value.lower() not in ("true", "false", "null", "nan", "inf")
    return value if plain else f"'{value}'"


def parsed(value):
    """What Hydra's grammar makes of :func:`render`'s text."""
    return math.inf if value == "1e309" else value


def random_text(rng) -> str:
    pick = rng.integers(6)
    if pick == 0:
        return str(rng.choice(PATHS))
    if pick == 1:
        return "".join(rng.choice(UNICODE, size=rng.integers(1, 4)))
    if pick == 2:
        return "w" * int(rng.choice([300, 5000]))
    if pick == 3:
        return "a" + ODD_CHARS[rng.integers(len(ODD_CHARS))] + "b"  # (numpy's strings drop a trailing NUL)
    if pick == 4:
        return ""
    return str(rng.choice(WORDS)) + str(rng.integers(100))


def valid_value(key: str, rng):
    kind, choices = KEYS[key].kind, KEYS[key].choices
    if kind == "frac":
        return float(rng.choice([0.0, 1.0, round(float(rng.random()), 6)]))
    if kind == "nonneg":
        return float(rng.choice([0.0, 1e6, round(float(rng.random()) * 10, 4)]))
    if kind == "real":
        return float(rng.choice([-1e6, 0.0, round(float(rng.normal()), 4)]))
    if key == "topology.seed":
        return int(rng.choice([0, 1]))  # each is a topology to build
    if kind in ("int0", "int1", "int1_or_null"):
        return int(rng.choice([1, 7, 2**31, 10**25]))
    if kind == "n_ases":
        return int(rng.choice(SMALL_N_ASES))
    if kind == "steps":
        return int(rng.integers(0, 40))
    if kind == "null_only" or kind == "caida_only":
        return None
    if kind == "bool":
        return bool(rng.integers(2))
    if kind == "choice":
        return str(rng.choice(choices))
    if kind == "leader":
        return str(rng.choice(["", "US", "DE", "ZZ"]))  # syntax only: m1 is not in force
    if kind in ("name", "text", "description"):
        return str(rng.choice(["x/../../../escaped", "a b", "中文 🙂", "w" * 300, "run_7", "..", "/etc"]))
    if kind in ("folder", "path_or_null"):
        return str(rng.choice(PATHS[:-1]))
    if kind == "mechanisms":
        return [str(m) for m in rng.choice([m for m in MECHANISMS if m != "m1"], size=rng.integers(1, 4))]
    if kind == "roles":
        return [str(r) for r in rng.choice(ROLES, size=rng.integers(0, 3), replace=False)]
    raise AssertionError(kind)


def invalid_value(key: str, rng):
    kind = KEYS[key].kind
    pick = rng.integers(5)
    if kind in ("n_ases", "steps") and pick == 0:
        return int(rng.choice(HUGE))
    if pick <= 1:
        return NUMBERS[rng.integers(len(NUMBERS))]
    if pick == 2:
        return random_text(rng)
    if pick == 3:
        return [str(rng.choice(WORDS)), 1] if rng.integers(2) else bool(rng.integers(2))
    return None


def typo(key: str, rng) -> str:
    """A one-character mistake in the last part of ``key`` (swap, drop, double, replace)."""
    head, _, last = key.rpartition(".")
    i = int(rng.integers(len(last)))
    how = rng.integers(4)
    if how == 0 and len(last) > 1:
        j = min(i + 1, len(last) - 1)
        chars = list(last)
        chars[i], chars[j] = chars[j], chars[i]
        last = "".join(chars)
    elif how == 1 and len(last) > 1:
        last = last[:i] + last[i + 1 :]
    elif how == 2:
        last = last[:i] + last[i] + last[i:]
    else:
        last = last[:i] + str(rng.choice(list("xqz_"))) + last[i + 1 :]
    bad = f"{head}.{last}" if head else last
    return bad + "x" if bad in KEYS or bad in ("scenario.imposed", "scenario.blocs", "analysis") else bad


@dataclass
class Case:
    overrides: list[str]
    expected: dict  # key -> value, for a set the oracle accepts
    refused: list[str]  # keys the oracle refuses; empty: accepted
    group: tuple[str, str] | None = None  # a config group choice: (group, option); its outcome is either


def draw_override(rng, used: set[str], cwd: Path, case: Case) -> None:
    """One override of a random family into ``case``, on a key not used yet in it."""
    key = str(rng.choice(sorted(set(KEYS) - used)))
    used.add(key)
    family = rng.random()
    if 0.68 <= family < 0.86:  # the key itself is wrong: a typo, or the removal of a key every run has
        if family < 0.80:
            bad = typo(key, rng)
            case.overrides.append(f"{str(rng.choice(['', '+', '++']))}{bad}={render(valid_value(key, rng))}")
        else:
            bad = key
            case.overrides.append(f"~{key}")
        case.refused.append(bad)
        return
    if family < 0.40 or (family >= 0.86 and rng.random() < 0.5):
        value = valid_value(key, rng)
    else:
        value = invalid_value(key, rng)
    ok, expected = judge(key, parsed(value), cwd)
    if 0.86 <= family < 0.90:
        # '+' adds a key: Hydra refuses it where a value is, unless that value is null or the new one a list
        case.overrides.append(f"+{key}={render(value)}")
        ok = ok and (key in NULL_BY_DEFAULT or isinstance(value, list))
    else:
        prefix = "++" if family >= 0.90 else ""  # '++' adds or overrides: as a plain override here
        case.overrides.append(f"{prefix}{key}={render(value)}")
    if ok:
        case.expected[key] = expected
    else:
        case.refused.append(key)


def draw_case(rng, cwd: Path) -> Case:
    case = Case([], {}, [])
    if rng.random() < 0.08:  # a config group choice, alone
        group = str(rng.choice(["scenario", "mechanism", "topology"]))
        options = group_options(group)
        option = str(rng.choice(options)) if rng.random() < 0.6 else random_text(rng)
        if group == "topology" and option in options:
            option = "synthetic"  # the CAIDA options read the real graph: the CLI tests cover them
        case.overrides.append(f"{group}={render(option)}")
        if option in options:
            case.group = (group, option)
        else:
            case.refused.append(group)
        return case
    if rng.random() < 0.04:
        case.overrides.append("~experiment")  # no experiment is chosen: removing it changes nothing
        return case
    used: set[str] = set()
    for _ in range(int(rng.integers(1, 4))):
        draw_override(rng, used, cwd, case)
    return case


# -- the test --------------------------------------------------------------------------------------------------


def run_value(run_cfg, key: str):
    node = run_cfg
    for part in key.split("."):
        node = getattr(node, part, ABSENT)
    return node


def check_case(case: Case, cwd: Path, full: bool = False) -> str | None:
    """None when ``validate`` does what the oracle says; else what went wrong. ``full``: the output folders also
    from a whole composition (slow)."""
    try:
        validate(BASE + case.overrides)
    except ConfigError as exc:
        message = str(exc)
        if "\n" in message or "Traceback" in message:
            return f"not one line: {message!r}"
        if not case.refused and case.group is None:
            return f"refused a set the oracle accepts: {message}"
        named = case.refused or [case.group[0]]
        if not any(key in message for key in named):
            return f"the message names none of {named}: {message}"
        return None
    except Exception as exc:  # noqa: BLE001 (any other exception is the failure this test looks for)
        return f"traceback: {type(exc).__name__}: {str(exc)[:300]}"
    if case.refused:
        return f"accepted, but the oracle refuses {case.refused}"
    run_cfg = next(compose_runs([BASE + case.overrides]))
    for key, expected in case.expected.items():
        got = run_value(run_cfg, key)
        if got != expected or type(got) is not type(expected):
            return f"{key}: run value {got!r}, expected {expected!r}"
    if case.group is not None:
        group, option = case.group
        got = run_cfg.topology.kind if group == "topology" else getattr(run_cfg, group).name
        if got != option:
            return f"{group}={option} gave {group} {got!r}"
    runs = cwd / "runs"
    run_dir, sweep_dir = output_folders(BASE + case.overrides, run_cfg.sweep_name, full)
    if run_dir.parent != runs / "single" or run_dir.name in ("", ".", ".."):
        return f"run folder {run_dir} is not one flat folder in {runs / 'single'}"
    if runs not in Path(os.path.normpath(sweep_dir)).parents:
        return f"sweep folder {sweep_dir} is outside {runs}"
    return None


@functools.cache
def hydra_node(cwd: str) -> DictConfig:
    """The ``hydra`` node of the configuration composed in ``cwd`` (its folder templates, override_dirname's
    settings)."""
    return compose(BASE, hydra=True).hydra


def output_folders(overrides: list[str], sweep_name: str, full: bool) -> tuple[Path, Path]:
    """The run folder and the sweep folder Hydra makes of ``overrides``: the configuration's own templates
    (``hydra.run.dir``, ``hydra.sweep.dir``) resolved with the ``override_dirname`` Hydra computes (its own
    function, on the parsed overrides, with the configuration's settings); with ``full``, also from a whole
    composition of ``overrides``, which must agree."""
    node = copy.deepcopy(hydra_node(os.getcwd()))
    settings = node.job.config.override_dirname
    parsed = OverridesParser.create().parse_overrides(overrides)
    node.job.override_dirname = get_overrides_dirname(
        overrides=[o for o in parsed if not o.is_hydra_override()],
        kv_sep=settings.kv_sep,
        item_sep=settings.item_sep,
        exclude_keys=settings.exclude_keys,
    )
    cfg = OmegaConf.create({"hydra": node, "sweep_name": sweep_name})
    folders = Path(cfg.hydra.run.dir), Path(cfg.hydra.sweep.dir)
    if full:
        whole = compose(overrides, hydra=True)
        assert (Path(whole.hydra.run.dir), Path(whole.hydra.sweep.dir)) == folders, overrides
    return folders


def draw_cases(cwd: Path) -> list[Case]:
    rng = np.random.default_rng(SEED)
    return [draw_case(rng, cwd) for _ in range(N_SETS)]


def test_fuzzed_overrides_are_a_clean_error_or_exactly_the_values_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = draw_cases(tmp_path)
    failures = []
    for i, case in enumerate(cases):
        problem = check_case(case, tmp_path, full=i % 10 == 0)
        if problem:
            failures.append(f"{case.overrides!r}: {problem}")
    accepted = sum(not c.refused for c in cases)
    assert not failures, f"{len(failures)} of {len(cases)} override sets:\n" + "\n".join(failures[:30])
    assert list(tmp_path.iterdir()) == [], "checking a configuration wrote into the working folder"
    assert 0.25 * N_SETS < accepted < 0.75 * N_SETS  # both outcomes are exercised


def test_the_generator_draws_every_family():
    cases = draw_cases(Path("/w"))
    texts = " ".join(o for c in cases for o in c.overrides)
    for needle in ("~", "++", "nan", "inf", "1e309", "\0", "..", "'中", "=-1", "=''", "w" * 300, "scenario="):
        assert needle in texts, needle
    assert len(cases) >= 300 and sum(len(c.overrides) for c in cases) > 500


def fragsim(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("fragsim")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "sim.cli.fragsim", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "overrides, refused",
    [
        (["scenario.name=x/../../../escaped", "sweep_name=../../up"], None),
        (["scenario.description='中文 🙂 ../..'", "mechanism.params.leader=DE"], None),
        (["scenario.decision.pressure_trend=1e309"], "scenario.decision.pressure_trend"),
        (["~scenario"], "scenario"),
        (["+scenario.stesp=3"], "scenario.stesp"),
        (["topology.path=../../etc/passwd"], "topology.path"),
        (["scenario.steps=100000000000"], "scenario.steps"),
    ],
)
def test_fuzzed_sets_end_to_end(tmp_path, overrides, refused):
    """A few sets in a real ``fragsim`` process, output folder given with ``hydra.run.dir``: one message and exit
    status 2 with nothing written, or a complete run folder and no file anywhere else."""
    work, out = tmp_path / "work", tmp_path / "work" / "out"
    work.mkdir()
    proc = fragsim(work, "topology.n_ases=300", "n_sources=32", "scenario.steps=1", *overrides, f"hydra.run.dir={out}")
    if refused:
        assert proc.returncode == 2, proc.stderr
        assert refused in one_error(proc.stderr, "fragsim") and _files(tmp_path) == set()
        return
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (out / "DONE").is_file()
    assert all(out in p.parents for p in _files(tmp_path)), sorted(_files(tmp_path))
