"""The web playground behind ``descentlab serve``: a FastAPI app and a static page."""

from .server import create_app, serve

__all__ = ["create_app", "serve"]
