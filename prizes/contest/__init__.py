"""The contest: editions with their dated phases, and the 18 prize categories."""
