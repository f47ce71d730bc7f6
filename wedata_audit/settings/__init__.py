"""Settings: defaults, then the configuration file, then flags, resolved once into a frozen plan."""
