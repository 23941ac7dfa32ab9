"""One router per concern: layers, features, tiles, scene, health, viewer."""
