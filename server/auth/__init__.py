"""Security building blocks: roles and permissions, principals, passwords, tokens, TOTP."""
