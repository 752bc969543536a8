"""Versions: what commits, branches and releases did, side by side, with significance tests."""
