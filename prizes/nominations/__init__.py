"""Nominations: a stocktaking entry submitted into one category of an edition."""
