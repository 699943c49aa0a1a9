"""Reading the user's function: source text, parsing, the syntax whitelist, name resolution."""
