"""Background work beside the bot: the outbox sender and the messages it renders."""
