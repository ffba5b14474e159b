"""gRPC servicers: thin adapters from requests to domain services and back.

An RPC a servicer does not define answers UNIMPLEMENTED (the generated base
class raises NotImplementedError, which the error interceptor maps).
"""
