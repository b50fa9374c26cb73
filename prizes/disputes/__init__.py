"""Disputes: a nominator, a voter or any signed-in user contests a vote, a nomination or a
round's result; the secretariat answers or refers it to the expert group, then closes it."""
