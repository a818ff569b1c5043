"""The use cases: the only floor that chooses which data a run uses.

Each module takes what a user asks (baskets or calls, rules, a data source), chooses the
prices, calls the pure engine and statistics, and labels the result with where everything
came from.  Nothing here renders (that is :mod:`thematic.output`).
"""
