"""Tests of srcdiff/rules/: the rule table, template filling, user rules."""
