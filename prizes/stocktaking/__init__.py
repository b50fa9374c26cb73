"""Stocktaking entries: the ICT-for-development projects that nominations point at."""
