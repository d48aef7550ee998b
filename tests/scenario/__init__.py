"""Scenario files: loading, validation and the faults of broken ones."""
