"""Sandbox mode: the real bot against the stand-in, with a Telegram-like page to chat in.

``medbot sandbox`` runs it (``launch.run_sandbox``); the page is plain HTML, CSS and
JavaScript from ``static/``, served with a websocket feed by ``app.init_app``.
"""
