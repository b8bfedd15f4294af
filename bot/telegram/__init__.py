"""Telegram plumbing: PTB wiring, transport, context, callback codecs, keyboards.

No feature logic lives here; features are in ``bot.handlers``.
"""
