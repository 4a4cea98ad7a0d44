"""Staff accounts: sign-in with an optional second factor (TOTP and recovery codes), password
reset by e-mail, and the record of sign-in events shown to admins (docs/accounts.md)."""
