"""The agent-based model: states (Mesa agents), the regulations they adopt, the coordination mechanisms, the
operators' bulk response and the metrics. Knows nothing of Hydra."""
