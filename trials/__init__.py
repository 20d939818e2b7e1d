"""Fault trials: saves under concurrency, races, crashes and outages, counted end to end."""
