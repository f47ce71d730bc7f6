"""Text listings of rules and frameworks (what the rules and frameworks commands print) and the rule reference."""
