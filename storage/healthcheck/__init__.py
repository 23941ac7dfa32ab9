"""Health-check storage: indicators, problems, projects, their links and history."""
