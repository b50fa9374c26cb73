"""Accounts: registration, verified email, sign-in, password reset, profiles and roles."""
