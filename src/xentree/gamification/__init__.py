"""Profile & Analytics: the XP ledger and everything read from its daily rollups."""
