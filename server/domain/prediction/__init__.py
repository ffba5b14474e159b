"""Serving forecasts: version routing, validation, the write-behind history and live accuracy."""
