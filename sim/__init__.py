"""fragsim: an agent-based simulator of the Internet's regulatory fragmentation."""

from sim.caida import LoadReport, TopologyFormatError
from sim.agents import StateAgent
from sim.config import ImposedRegulation, Mechanism, ModelConfig
from sim.load import load_topology, with_core_services
from sim.model import FragmentationModel
from sim.reach import ReachResult, reachability
from sim.synthetic import synthetic_topology
from sim.topology import DNS_ROOT_OPERATOR_ASNS, UNKNOWN, Adjacency, Rel, Topology

__all__ = [
    "FragmentationModel",
    "ImposedRegulation",
    "Mechanism",
    "ModelConfig",
    "StateAgent",
    "Adjacency",
    "DNS_ROOT_OPERATOR_ASNS",
    "LoadReport",
    "ReachResult",
    "Rel",
    "Topology",
    "TopologyFormatError",
    "UNKNOWN",
    "load_topology",
    "reachability",
    "synthetic_topology",
    "with_core_services",
]
