"""Scoring for Chart to Claim's nbgrader assignments (partial credit with feedback)."""
