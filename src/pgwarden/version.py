"""The version of pgwarden, in a module of its own so that any room can name it without importing the package."""

__version__ = "0.1.0"
