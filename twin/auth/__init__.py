"""Users, passwords, login throttling and the audit trail: the rules, free of any framework."""
