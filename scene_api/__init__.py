"""twin's scene server: layers, features and 3D Tiles over HTTP (FastAPI)."""

from scene_api.app import create_app

__all__ = ["create_app"]
