"""Framework-free services of the scene API: handlers call them, they call storage."""
