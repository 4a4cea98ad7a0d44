"""Signals the chat side sends so that other apps (tickets) can react without chat importing them.

All are sent after the transaction that caused them has committed, with plain ids.
"""

from django.dispatch import Signal

# kwargs: conversation_id (UUID), reason (str)
handoff_requested = Signal()
# kwargs: conversation_id (UUID), message_seq (int), author_kind (str), new_conversation (bool:
# the message started the conversation in the same transaction, so no ticket refers to it yet),
# channel (str "chat"/"email", or None where the sender did not have it at hand: receivers that
# care about one channel skip the others without a query)
message_stored = Signal()
# kwargs: conversation_id (UUID), by (str: "agent", "idle", ...)
conversation_resolved = Signal()
# kwargs: contact_id (UUID), email (str): a visitor left an address in the widget that is not
# yet verified (e-mail sends a link to prove it)
contact_email_left = Signal()
