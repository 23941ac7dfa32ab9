"""Digital review of a BIM submission: indicators, planning rules, IDS, BCF (framework-free)."""
