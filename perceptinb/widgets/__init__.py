"""Jupyter widgets: thin classes that hold traits and route messages to the pure modules."""
