"""The review lifecycle of BIM submissions (framework-free; ``scene_api`` exposes it)."""
