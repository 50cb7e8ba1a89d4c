"""One module per benchmarked system (base.System)."""
