"""The planner's answers, written only from this turn's typed tool results."""
