"""The shipped defaults of the ledger's configuration files.

``country_risk.json`` (country -> risk tier and the points each tier adds),
``sanctions.json`` (names and account references of sanctioned parties),
``risk_rules.json`` (the points of the other risk rules and the level bands) and
``aml.json`` (AML thresholds, per currency where they differ). A deployment
points ``QUANTIS_FINANCE_CONFIG_DIR`` at its own copies.
"""
