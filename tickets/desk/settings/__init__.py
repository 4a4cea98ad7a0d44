"""The desk's settings area: teams and agents, for admins and (for their own teams) managers.
Views parse the form and call one service of tickets.workspace; the services hold the rules."""
