"""The fragmentation model: states regulate, operators resolve conflicts in bulk, reachability is measured.

A step: 1. pressure updates; 2. states decide in random order, and the scenario's imposed regulations take
effect; 3. coordination mechanisms act; 4. operators resolve conflicts in bulk (links cut; mechanisms may then
buy new links); 5. reachability is recomputed (with ``path_measures.enabled``, the chosen routes too:
:mod:`sim.model.paths`) and every metric collected. The coordination mechanisms are plugins
(:mod:`sim.model.mechanisms`) whose hooks the model calls at fixed points of the step; every change is applied
here, from what the operators, the mechanisms and the measurement return.
"""

from __future__ import annotations

import dataclasses
import weakref

import mesa
import numpy as np
import pandas as pd

from sim.data.topology import Topology
from sim.model.agents import N_POLICY_DIMS, StateAgent
from sim.model.checks import check_config
from sim.model.config import ModelConfig
from sim.model.cut_log import CutLog
from sim.model.market import market_weights
from sim.model.measure import Measurement, measure, reach_tracker, reporters_for
from sim.model.mechanisms import CoordinationMechanism, instantiate
from sim.model.operators import Operators, Resolution
from sim.model.paths import MODEL_REPORTERS as PATH_MODEL_REPORTERS
from sim.model.paths import STATE_REPORTERS as PATH_STATE_REPORTERS
from sim.model.paths import PathMeasurement, exposure_countries, measure_paths
from sim.model.regulations import Context, GatewayChoice, RegKind, Regulation, forbid_matrix
from sim.model.regulations.extraterritorial import carry_over
from sim.model.world import BoughtLink, World, links_between_states, protected_mask, protected_sets
from sim.reach.cones import customer_cone_sizes
from sim.reach.incremental import IncrementalReach

__all__ = ["FragmentationModel", "check_config"]

#: what a run derives from its topology alone (customer cones, markets, the world before links are bought), by
#: topology object: the runs of a sweep worker share the (cached) topology, so they compute these once; the arrays
#: are read-only
_DERIVED: weakref.WeakKeyDictionary[Topology, dict] = weakref.WeakKeyDictionary()


def _derived(topology: Topology, key, make):
    cache = _DERIVED.setdefault(topology, {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


class FragmentationModel(mesa.Model):
    """States (Mesa agents) regulating a real or synthetic AS-level Internet.

    Parameters
    ----------
    topology : Topology
        From :func:`sim.load_topology` or :func:`sim.synthetic_topology`.
    rng : int or numpy Generator, optional
        The run's seed: every random choice flows from it (same seed, same bytes).
    **params
        Any field of :class:`sim.model.config.ModelConfig` or of its groups (``DecisionParams``,
        ``MechanismParams``), e.g. ``n_sources=1024`` (None: exact all-pairs), ``mechanisms=["m5", "m6"]``,
        ``adoption_frac=0.5``, ``retaliate_prob=0.3``; or ``config=ModelConfig(...)``.

    Attributes
    ----------
    mechanisms : list of CoordinationMechanism
        The mechanisms in force, in the order their hooks are called.
    et_adopters : ndarray of bool, shape (K,)
        The one record of which states have an extraterritorial rule in force.
    cut_by, cut_step : ndarray of int64, shape (n_links,)
        The regulation that cut each link and the step it did (-1: up).
    bought : list of BoughtLink
        Links bought by operators (re-homing), in order.
    """

    def __init__(self, topology: Topology, rng=None, config: ModelConfig | None = None, **params):
        super().__init__(rng=rng)
        if config is not None and params:
            raise TypeError("give either config or keyword parameters, not both")
        self.config = config if config is not None else ModelConfig.from_kwargs(**params)
        check_config(self.config, topology)
        (self.rng_init, self.rng_sources, self.rng_shocks, self.rng_comply, self.rng_retaliate, self.rng_rehome) = (
            _spawn_streams(self.rng)
        )
        self.protected_sets = protected_sets(topology)
        self.cone = _derived(topology, "cone", lambda: _read_only(customer_cone_sizes(topology)))
        self.population = topology.facts.population  #: (K,) people per country (NaN: no outline), for weights
        market, roles = self.config.market, self.config.mechanism_params.protected_roles
        weights = _derived(topology, ("market", market), lambda: market_weights(topology, market, self.cone))
        # the world before any link is bought: a pure function of these three, shared with its memo (who serves
        # each market, at what share) by the runs of a sweep worker
        self.world = _derived(
            topology,
            ("world", market, roles),
            lambda: World(
                topology, _read_only(protected_mask(self.protected_sets, roles, topology.n_ases)), market=weights
            ),
        )
        self.mechanisms: list[CoordinationMechanism] = instantiate(self.config.mechanisms)
        self.regulations: list[Regulation] = []
        self.et_adopters = np.zeros(len(topology.country_codes), bool)
        self.cut_by = np.full(topology.n_links, -1, np.int64)
        self.cut_step = np.full(topology.n_links, -1, np.int64)
        self.cause_ended = np.full(topology.n_links, -1, np.int64)  # step the cause of a cut was first seen gone
        self.cut_log = CutLog()
        self.bought: list[BoughtLink] = []
        self.hurt: dict[int, set[int]] = {}  # state -> states whose rules cut its links in the last resolution
        self.operators = Operators(self._filter_cuts)
        self.pressure = self.config.decision.base_pressure
        self.shock = 0.0
        self.n_conflicts = self.n_exits = self.n_restored = 0
        self.compliance_cost = 0.0
        self._create_states()
        self._form_blocs()
        for mechanism in self.mechanisms:
            mechanism.setup(self)
        self.rel_links = self.world.remember("rel_links", lambda: _read_only(links_between_states(self.world)))
        self.conflicts = self.conflict_matrix()
        self.sources = self._draw_sources(topology)
        self._tracker: IncrementalReach | None = None  # reachability across steps, one per World
        self.baseline: Measurement | None = None
        self._observe(self._measure())
        self.baseline = self.current
        self.paths_baseline: PathMeasurement | None = None
        self._measure_paths()
        self.paths_baseline = self.paths_now
        model_reporters = reporters_for(self.protected_sets)
        agent_reporters = {
            "loss": "loss",
            "cross_border_loss": "cross_border_loss",
            "adopted": "adopted",
            "n_regulations": "n_regulations",
            "memberships": "joined",
            "code": "code",
        }
        if self.config.path_measures.enabled:  # off: the same columns, so the same bytes, as without the switch
            model_reporters |= PATH_MODEL_REPORTERS
            agent_reporters |= PATH_STATE_REPORTERS
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters, agent_reporters=agent_reporters)
        self.datacollector.collect(self)

    # -- construction --------------------------------------------------------------------------------------
    def _create_states(self) -> None:
        topo, cfg = self.world.topo, self.config
        present = np.flatnonzero(self.world.n_ases_in > 0)
        rng = self.rng_init
        # every draw is made whatever the mechanisms in force, so variants under one seed share their states
        # states differ around a common centre: two random states' rules conflict in a minority of cases
        profiles = np.clip(rng.normal(0.5, cfg.profile_spread, (len(present), N_POLICY_DIMS)), 0.0, 1.0)
        disp = rng.random((len(present), 3))
        tolerance = np.clip(rng.normal(cfg.loss_tolerance_mean, 0.15, len(present)), 0, 1)
        join_cost = rng.exponential(cfg.mechanism_params.join_cost, len(present))
        n_eligible = int(round(cfg.adoption_frac * len(present)))
        if cfg.adopter_choice == "size":
            order = np.argsort(-self.world.market[present], kind="stable")
        else:
            order = rng.permutation(len(present))
        eligible = np.zeros(len(present), bool)
        eligible[order[:n_eligible]] = True
        adhere = rng.random(len(present)) < cfg.mechanism_params.norm_adherence
        self.states: dict[int, StateAgent] = {}
        for i, c in enumerate(present.tolist()):
            self.states[c] = StateAgent(
                self,
                c,
                topo.country_codes[c],
                profiles[i],
                disp[i, 0],
                disp[i, 1],
                disp[i, 2],
                float(tolerance[i]),
                float(join_cost[i]),
                bool(eligible[i]),
                bool(adhere[i]),
            )

    def _form_blocs(self) -> None:
        """Each bloc's members take the mean of their drawn profiles as their common starting point and sign
        agreements with one another (their rules never conflict). Draws nothing: variants share their states."""
        topo = self.world.topo
        self.blocs: list[list[StateAgent]] = []
        self.bloc_of: dict[int, np.ndarray] = {}
        for members in self.config.blocs.values():
            states = [self.states[topo.country_index(code)] for code in dict.fromkeys(members)]
            self.blocs.append(states)
            countries = np.array(sorted(s.country for s in states))
            for s in states:
                self.bloc_of[s.country] = countries
                for other in states:
                    if other is not s:
                        s.sign_agreement(other.country)
        self._align_blocs(initial=True)

    def _align_blocs(self, initial: bool = False) -> None:
        """A bloc holds one rulebook: after its members decided, they all take their mean profile."""
        for states in self.blocs:
            common = np.mean([s.profile for s in states], axis=0)
            for s in states:
                s.set_profile(common.copy())
                if initial:
                    s.initial_profile = common.copy()

    def _draw_sources(self, topo: Topology) -> list[int] | None:
        k = self.config.n_sources
        if k is None or k >= topo.n_ases:
            return None
        return topo.asns[np.sort(self.rng_sources.choice(topo.n_ases, k, replace=False))].tolist()

    def mechanism(self, name: str) -> CoordinationMechanism | None:
        """The instance of mechanism ``name`` in force in this run, or None."""
        return next((m for m in self.mechanisms if m.name == name), None)

    @property
    def leader(self) -> StateAgent | None:
        """The leading state under a unilateral leader (M1); None without it."""
        m1 = self.mechanism("m1")
        return m1.leader if m1 is not None else None

    # -- queries the agents use ----------------------------------------------------------------------------
    def has_rule(self, country: int, kind: RegKind, target: int = -1) -> bool:
        """Whether the state has a regulation of ``kind`` (against ``target``, if given) in force now."""
        return any(
            self.regulations[i].kind == kind
            and (target < 0 or self.regulations[i].target == target)
            and self.regulations[i].active(self.steps)
            for i in self.states[country].regulations
        )

    def mean_profile(self) -> np.ndarray:
        return np.mean([s.profile for s in self.states.values()], axis=0)

    def neighbour_adoption(self, country: int) -> float:
        """Share of the state's cross-border links going to states with an extraterritorial rule."""
        row = self.rel_links[country]
        total = row.sum()
        return float(row[self.et_adopters].sum() / total) if total else 0.0

    def exposure(self, country: int) -> float:
        """Share of the state's cross-border links going to states whose rules conflict with its own."""
        row = self.rel_links[country]
        total = row.sum()
        return float(row[self.conflicts[country]].sum() / total) if total else 0.0

    def dependence(self, country: int, other: int) -> float:
        """Share of the state's cross-border links going to ``other``."""
        row = self.rel_links[country]
        return float(row[other] / row.sum()) if row.sum() else 0.0

    def forum_market_share(self) -> float:
        """Share of the world market (under the run's market measure) in states that are forum members (M5)."""
        members = [c for c, s in self.states.items() if "forum" in s.memberships]
        return float(self.world.market[members].sum() / max(self.world.market.sum(), 1))

    def profile_distance(self) -> np.ndarray:
        """(K, K) float in [0, 1]: RMS distance between the states' profiles over the policy dimensions."""
        k = self.world.n_states
        prof = np.zeros((k, N_POLICY_DIMS))
        for c, s in self.states.items():
            prof[c] = s.profile
        return np.linalg.norm(prof[:, None, :] - prof[None, :, :], axis=2) / np.sqrt(N_POLICY_DIMS)

    def conflict_matrix(self, dist: np.ndarray | None = None) -> np.ndarray:
        """(K, K) bool: the two states' rules conflict (profile distance above tolerance, not coordinated)."""
        k = self.world.n_states
        present = np.zeros(k, bool)
        present[list(self.states)] = True
        dist = self.profile_distance() if dist is None else dist
        conflict = (dist > self.config.conflict_tolerance) & present[:, None] & present[None, :]
        for c, s in self.states.items():  # an agreement (a bloc's, or one signed under M3) ends a conflict
            if s.agreements:
                conflict[c, list(s.agreements)] = False
        for mechanism in self.mechanisms:
            conflict = mechanism.filter_conflicts(self, conflict, dist)
        np.fill_diagonal(conflict, False)
        return conflict

    # -- regulations -----------------------------------------------------------------------------------------
    def adopt(
        self,
        state: StateAgent,
        kind: RegKind,
        target: int = -1,
        imposed: bool = False,
        k: int = 1,
        gateway_choice: GatewayChoice = GatewayChoice.LARGEST,
        exempt=(),
        secondary: bool = False,
        lift_step: int = -1,
    ) -> Regulation:
        """``state`` adopts a regulation, in force from this step."""
        reg = Regulation(
            len(self.regulations),
            RegKind(kind),
            state.country,
            self.steps,
            target,
            secondary,
            k,
            GatewayChoice(gateway_choice),
            tuple(exempt),
            imposed,
            lift_step,
        )
        self.regulations.append(reg)
        state.adopted_rule(reg.id)
        if reg.kind == RegKind.EXTRATERRITORIAL and reg.active(self.steps):
            self.et_adopters[state.country] = True
        return reg

    def _impose(self) -> None:
        topo = self.world.topo
        for ev in self.config.imposed:
            if ev.step != self.steps:
                continue
            c = topo.country_index(ev.country)
            if c not in self.states:
                raise ValueError(f"imposed {ev.kind} at step {ev.step}: country {ev.country!r} has no AS")
            target = topo.country_index(ev.target) if ev.target else -1
            exempt = topo.asn_to_idx(list(ev.exempt)) if ev.exempt else ()
            self.adopt(
                self.states[c],
                RegKind(ev.kind),
                target,
                True,
                ev.k,
                GatewayChoice(ev.gateway_choice),
                tuple(int(e) for e in exempt),
                ev.secondary,
                ev.lift_step,
            )

    def context(self) -> Context:
        """What the regulations' effects depend on now: conflicts as coordinated and their severity, the
        operators' choice and their compliance cost."""
        dist = self.profile_distance()
        tol = self.config.conflict_tolerance
        severity = np.clip((dist - tol) / (1.0 - tol), 0.0, 1.0) if tol < 1 else np.zeros_like(dist)
        return Context(
            self.conflict_matrix(dist),
            self.config.operator_choice,
            self.cone,
            severity,
            self.config.compliance_cost,
            self.bloc_of,
        )

    # -- the step ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """1 pressure; 2 states decide in random order, imposed events; 3 mechanisms act; 4 operators resolve
        conflicts (then buy links); 5 measure and collect."""
        self._update_pressure()
        self._decide()
        for mechanism in self.mechanisms:
            mechanism.act(self)
        self._resolve()
        self._observe(self._measure())
        self._measure_paths()
        self.datacollector.collect(self)

    def _update_pressure(self) -> None:
        p = self.config.decision
        self.shock *= p.shock_decay
        if self.rng_shocks.random() < p.shock_prob:
            self.shock += p.shock_size
        self.pressure = p.base_pressure + p.pressure_trend * self.steps + self.shock

    def _decide(self) -> None:
        """States decide on who hurt them last step, the conflicts as they stand and the rules in force (an
        imposed one may have been lifted); then the scenario's events of this step take effect."""
        for c, s in self.states.items():
            s.remember_hurt(self.hurt.get(c, set()))
        self.hurt = {}
        self.conflicts = self.conflict_matrix()
        self.et_adopters[:] = False
        for reg in self.regulations:
            if reg.kind == RegKind.EXTRATERRITORIAL and reg.active(self.steps):
                self.et_adopters[reg.state] = True
        self.agents.shuffle_do("step")
        self._align_blocs()
        self._impose()

    def _resolve(self) -> None:
        """Operators resolve the regulations in force; the model applies what they changed, then adds the links
        the mechanisms' operators buy."""
        self._apply(
            self.operators.resolve(
                self.world,
                self.regulations,
                self.steps,
                self.cut_by,
                self.cause_ended,
                self.config.restore_delay,
                self.context(),
                self.states,
            )
        )
        for mechanism in self.mechanisms:
            self._add_links(mechanism.after_resolution(self))

    def _filter_cuts(self, reg: Regulation, cut: np.ndarray) -> np.ndarray:
        for mechanism in self.mechanisms:
            cut = mechanism.filter_cuts(self, reg, cut)
        return cut

    def _apply(self, res: Resolution) -> None:
        """Apply step 4's resolution: restored links first, then the new cuts."""
        self.cause_ended = res.cause_ended
        self.cut_by[res.restored], self.cut_step[res.restored] = -1, -1
        self.cut_log.restored(res.restored, self.steps)
        for links, reg_id in res.cuts:
            self.cut_by[links], self.cut_step[links] = reg_id, self.steps
            self.cut_log.cut(links, reg_id, self.steps)
        self.n_conflicts, self.n_exits, self.compliance_cost = res.n_conflicts, res.n_exits, res.compliance_cost
        # a lifted rule's link that another rule in force cuts again this step never comes up: not restored
        recut = np.concatenate([links for links, _ in res.cuts]) if res.cuts else np.zeros(0, np.int64)
        self.n_restored = int(np.setdiff1d(res.restored, recut).size)
        self.hurt = res.hurt

    def _add_links(self, bought: list[BoughtLink]) -> None:
        """Extend the world with links operators bought (they come up, after the existing link ids)."""
        if not bought:
            return
        topo = self.world.topo
        cust = topo.asn_to_idx([b.customer for b in bought])
        prov = topo.asn_to_idx([b.provider for b in bought])
        self.bought += bought
        old = self.world
        self.world = old.with_bought(np.stack([prov, cust], axis=1))
        carry_over(old, self.world, np.unique(np.concatenate([prov, cust])))  # what the purchase left unchanged
        fresh = np.full(len(bought), -1, np.int64)
        self.cut_by, self.cut_step, self.cause_ended = (
            np.r_[a, fresh] for a in (self.cut_by, self.cut_step, self.cause_ended)
        )

    def _measure(self) -> Measurement:
        active = [r for r in self.regulations if r.active(self.steps)]
        forbid = forbid_matrix(active, self.world.n_states)
        exempt = None
        if forbid is not None:
            exempt = np.zeros(self.world.topo.n_ases, bool)
            for mechanism in self.mechanisms:
                mask = mechanism.transit_exempt(self)
                if mask is not None:
                    exempt |= mask
        if self._tracker is None or self._tracker.topology is not self.world.kernel_topology():  # links bought
            self._tracker = reach_tracker(self.world, self.sources, self.protected_sets)
        return measure(
            self.world,
            self.cut_by >= 0,
            self.sources,
            self.protected_sets,
            forbid,
            exempt,
            self.baseline,
            self._tracker,
        )

    def _measure_paths(self) -> None:
        """The chosen routes' measures under the links in force (:mod:`sim.model.paths`), when they are on
        (``paths_now``; None when off). Draws nothing: turning them on changes no other output."""
        params = self.config.path_measures
        if not params.enabled:
            self.paths_now = None
            return
        if self.paths_baseline is None:
            self.exposure_countries = exposure_countries(self.world, params.exposure_countries)
            self.paths_routes0 = None
        self.paths_now, routes_now = measure_paths(
            self.world, self.cut_by >= 0, self.sources, self.exposure_countries, self.paths_routes0
        )
        if self.paths_routes0 is None:  # step 0: its routes are the per-pair stretch's baseline, unchanged
            self.paths_routes0 = routes_now
            same = 0.0 if self.paths_now.n_pairs else float("nan")
            self.paths_now = dataclasses.replace(self.paths_now, mean_change=same, longer_frac=same)

    def _observe(self, m: Measurement) -> None:
        self.current = m
        if m.country_loss is not None:
            loss = np.nan_to_num(m.country_loss, nan=0.0)  # no pairs to lose: nothing lost
            cross = np.nan_to_num(m.country_cross_border_loss, nan=0.0)
            for c, state in self.states.items():
                state.observe_loss(float(loss[c]), float(cross[c]))

    # -- outputs ---------------------------------------------------------------------------------------------
    def cut_links(self) -> pd.DataFrame:
        """Every link cut during the run, with the regulation that cut it and, for links a lifted regulation
        gave back, the step they were restored (-1: still cut): ask "why was this link cut"."""
        return self.cut_log.frame(self.world, self.regulations)

    def why_cut(self, asn_a: int, asn_b: int) -> Regulation | None:
        """The regulation that cut the link between two ASes (None if it is up or does not exist)."""
        a, b = self.world.topo.asn_to_idx([asn_a, asn_b])
        ends = self.world.ends
        hit = np.flatnonzero(((ends[:, 0] == a) & (ends[:, 1] == b)) | ((ends[:, 0] == b) & (ends[:, 1] == a)))
        for link in hit:
            if self.cut_by[link] >= 0:
                return self.regulations[self.cut_by[link]]
        return None

    def country_matrix(self) -> pd.DataFrame:
        """The latest reachable-pair fractions by (source country, destination country)."""
        return self.current.country_frame(self.world.topo)


def _spawn_streams(rng: np.random.Generator) -> list[np.random.Generator]:
    """Six generators from the run's: one stream per purpose, so variants compared under one seed share their
    draws (paired comparisons): the same states, sources and shocks whatever the mechanisms."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(rng.integers(2**63))).spawn(6)]
