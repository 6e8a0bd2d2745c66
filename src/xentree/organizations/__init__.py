"""Organizations, their members and teams (contract §5)."""
