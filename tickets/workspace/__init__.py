"""Running the team from the product: the rules behind the desk's settings pages (teams, their
hours, holidays and SLA policies; agents, their invitations, roles and capacity). Every write
records who changed what in the settings audit log (tickets.models.SettingsChange)."""
