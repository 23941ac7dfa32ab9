"""Readers turn source files into frozen domain records (twin.domain / twin.readers.*)."""
