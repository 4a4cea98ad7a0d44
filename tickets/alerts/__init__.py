"""Alerts an agent notices: a browser notification, a sound and a count in the desk tab's title
while a desk tab is open, an e-mail while none is (docs/desk-alerts.md)."""
