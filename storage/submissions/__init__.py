"""BIM submissions under review, kept in the catalog's database (SQLite or PostGIS)."""
