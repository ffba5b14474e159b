"""Quantis client: ``Client`` and ``AsyncClient`` over the generated stubs in ``quantis.v1``."""

from quantis.async_client import AsyncClient
from quantis.channels import Tls
from quantis.client import Client
from quantis.credentials import Tokens
from quantis.forecasting import SeriesForecast, SeriesInput
from quantis.retries import RetryPolicy

__all__ = ["AsyncClient", "Client", "RetryPolicy", "SeriesForecast", "SeriesInput", "Tls", "Tokens"]
