"""Tests of the public API and of srcdiff's top-level modules (api, pipeline, passes, cli, errors)."""
