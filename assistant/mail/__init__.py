"""The e-mail channel: an inbox's address, mail fetched by IMAP or posted by a relay, threaded
into the same conversations as chat, and replies sent back by mail (docs/email.md)."""
