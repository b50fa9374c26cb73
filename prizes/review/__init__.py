"""The expert group: invitations, assignments, conflicts, scores and decisions."""
