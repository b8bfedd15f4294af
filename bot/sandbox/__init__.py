"""Sandbox mode: ``standin`` is a generic Bot API stand-in, ``demo`` the page around it."""
