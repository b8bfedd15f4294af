"""Sandbox mode's two halves.

``standin`` is a local Telegram Bot API that stands alone: it imports nothing from the rest
of ``bot``, nor ``domain`` or ``storage``.  ``demo`` runs the real bot against it with a
chat page, and is the only part of ``bot.sandbox`` that knows the bot.
"""
