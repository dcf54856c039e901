"""Seed data: the default rule sets, the demo-data generator and its name lists."""
