"""Server interceptors, outermost first: request context (id + access log), errors.

The order is fixed in server.grpc_server.create_server; later layers (metrics and
tracing, auth, rate limit, validation) slot in after error mapping so that
their refusals are mapped like any other domain error.
"""
