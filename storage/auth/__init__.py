"""Users, sessions, login failures and the audit log, in the catalog's database."""
