"""Monitoring: notifications, alerts, the audit log, health and live events."""
