"""The sender of the bot's own messages: it drains the outbox under Telegram's limits
(pacing), decides what a failure means (domain.outbox), tells a human about what cannot be
delivered (alerts) and talks to the Bot API (telegram)."""
