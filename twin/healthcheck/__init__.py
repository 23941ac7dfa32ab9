"""City health-check (城市体检) data and urban-renewal projects: indicators, problems
(问题图斑), projects and their land lifecycle, with the rules that close the loop
problem -> project -> re-check. Framework-free: no FastAPI, no SQL here."""
