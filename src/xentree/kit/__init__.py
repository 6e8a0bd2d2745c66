"""Domain-agnostic building blocks. Nothing here imports from a domain package."""
