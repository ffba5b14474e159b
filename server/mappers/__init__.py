"""Pure functions between domain objects and quantis.v1 messages, one module per service."""
