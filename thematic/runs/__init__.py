"""Use cases: each chooses the data a run uses, calls the engine and the statistics, labels the result."""
