"""The search index store (labels of each layer's current version, in the catalog's DB)."""
