"""The mechanism plugins: registry, labels, configs, hook order, and a mechanism defined here changing a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import FragmentationModel, Mechanism, ModelConfig
from sim.model.config import MECHANISM_NAMES
from sim.model.mechanisms import (
    CoordinationMechanism,
    instantiate,
    mechanism_class,
    mechanism_names,
    register,
    unregister,
)
from sim.model.regulations import RegKind
from tests.model.mechanisms.common import ET_PROFILES, ET_WORLD, ET_XA, EXIT, build, link, run
from tests.worlds import QUIET, cut_pairs

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "mechanism"
LABELS = {
    "m0": "no coordination",
    "m1": "unilateral leader",
    "m2": "retaliation",
    "m3": "bilateral agreements",
    "m4": "mutual recognition",
    "m5": "multilateral forum",
    "m6": "public-core norm",
    "m7": "operator re-homing",
    "m8": "technical mitigation",
}


class Ceasefire(CoordinationMechanism):
    """A toy mechanism: operators ignore extraterritorial rules (they are torn, but cut nothing)."""

    label = "ceasefire"
    order = 50

    def filter_cuts(self, model, reg, cut: np.ndarray) -> np.ndarray:
        return cut[:0] if reg.kind == RegKind.EXTRATERRITORIAL else cut


class Recorder(CoordinationMechanism):
    """A toy mechanism that records when the model calls each hook."""

    label = "recorder"

    def setup(self, model) -> None:
        self.calls = [("setup", model.steps)]

    def before_decision(self, model, state) -> None:
        self.calls.append(("before_decision", model.steps))

    def act(self, model) -> None:
        self.calls.append(("act", model.steps))

    def filter_cuts(self, model, reg, cut):
        self.calls.append(("filter_cuts", model.steps))
        return cut

    def after_resolution(self, model):
        self.calls.append(("after_resolution", model.steps))
        return []


@pytest.fixture
def registered():
    """Register the toy mechanisms for one test, and take them out again whatever happens."""
    register("toy_ceasefire")(Ceasefire)
    register("toy_recorder")(Recorder)
    try:
        yield
    finally:
        unregister("toy_ceasefire")
        unregister("toy_recorder")


def test_a_mechanism_defined_outside_the_package_changes_a_run_through_its_hook(registered):
    assert "toy_ceasefire" in mechanism_names() and MECHANISM_NAMES["toy_ceasefire"] == "ceasefire"
    plain = run(ET_WORLD, ET_PROFILES, imposed=[ET_XA], mechanisms=["m0"], **EXIT)
    toy = run(ET_WORLD, ET_PROFILES, imposed=[ET_XA], mechanisms=["toy_ceasefire"], **EXIT)
    assert cut_pairs(plain) == {link(1, 10)}
    assert cut_pairs(toy) == set()
    assert toy.n_conflicts == plain.n_conflicts == 1  # the operator is still torn: only the cut is filtered
    assert [m.name for m in toy.mechanisms] == ["toy_ceasefire"]


def test_hooks_are_called_at_their_points_of_the_step(registered):
    model = build(ET_WORLD, ET_PROFILES, imposed=[ET_XA], mechanisms=["toy_recorder"])
    recorder = model.mechanism("toy_recorder")
    assert recorder.calls == [("setup", 0)]
    model.step()
    names = [name for name, step in recorder.calls[1:] if step == 1]
    # 3 states decide, the mechanisms act, the one regulation in force is resolved, then operators may buy links
    assert names == ["before_decision"] * 3 + ["act", "filter_cuts", "after_resolution"]


def test_an_unregistered_mechanism_is_refused():
    register("toy_ceasefire")(Ceasefire)
    assert ModelConfig(mechanisms=("toy_ceasefire",)).mechanisms == ("toy_ceasefire",)
    unregister("toy_ceasefire")
    with pytest.raises(ValueError, match="mechanisms"):
        ModelConfig(mechanisms=("toy_ceasefire",))
    with pytest.raises(ValueError, match="toy_ceasefire"):
        unregister("toy_ceasefire")


def test_unknown_mechanism_name_is_a_value_error_naming_mechanisms():
    with pytest.raises(ValueError, match=r"mechanisms must be among \['m0', .*'m8'\], got 'm9'"):
        FragmentationModel(ET_WORLD, rng=0, mechanisms=["m0", "m9"], **QUIET)
    with pytest.raises(ValueError, match="mechanisms"):
        mechanism_class("no_such_mechanism")


def test_register_refuses_a_taken_or_malformed_name():
    with pytest.raises(ValueError, match="'m0' is already registered"):
        register("m0")(Ceasefire)
    with pytest.raises(ValueError, match="name"):
        register("M 9")
    with pytest.raises(TypeError):
        register("toy_not_a_mechanism")(object)
    assert mechanism_class("m0").label == "no coordination"


def test_every_enum_member_is_a_registered_plugin_with_its_label_and_config():
    assert set(mechanism_names()) >= {m.value for m in Mechanism}
    for m in Mechanism:
        cls = mechanism_class(m.value)
        assert cls.name == m.value and issubclass(cls, CoordinationMechanism)
        assert MECHANISM_NAMES[m] == MECHANISM_NAMES[m.value] == LABELS[m.value]
        assert cls.__doc__ and len(cls.__doc__) > 40  # its parameters' meaning is documented on the class
    assert dict(MECHANISM_NAMES) == LABELS
    for name in mechanism_names():
        assert f"mechanisms: [{name}]" in (CONFIGS / f"{name}.yaml").read_text()


def test_hooks_run_in_each_class_order_whatever_the_config_order():
    # step 3 acts in this order: the forum harmonizes (M5), then the leader's followers comply (M1), then
    # agreements are signed (M3); M2 retaliates before M5's members join, in each state's decision
    names = [m.name for m in instantiate(["m8", "m3", "m1", "m5", "m2", "m7", "m6", "m4", "m0"])]
    assert names == ["m0", "m2", "m5", "m1", "m3", "m4", "m6", "m7", "m8"]
    orders = [mechanism_class(n).order for n in names]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
