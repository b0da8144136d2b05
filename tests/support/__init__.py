"""Helpers shared by the test suites, imported as modules; pytest fixtures live in the conftest.py files."""
