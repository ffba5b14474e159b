"""Training jobs off the request path: the worker function, where it runs, and its records.

Nothing here imports grpc: the same worker function runs in the local process
pool and in Celery workers.
"""
