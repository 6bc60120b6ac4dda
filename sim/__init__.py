"""fragsim: an agent-based simulator of the Internet's regulatory fragmentation."""

from sim.caida import LoadReport, TopologyFormatError
from sim.load import load_topology, with_core_services
from sim.topology import DNS_ROOT_OPERATOR_ASNS, UNKNOWN, Adjacency, Rel, Topology

__all__ = [
    "Adjacency",
    "DNS_ROOT_OPERATOR_ASNS",
    "LoadReport",
    "Rel",
    "Topology",
    "TopologyFormatError",
    "UNKNOWN",
    "load_topology",
    "with_core_services",
]
