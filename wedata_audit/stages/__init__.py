"""Stages after the engine: the release review (pairs production and latest),
the filters (waivers, baseline, first seen) and the framework coverage tally."""
