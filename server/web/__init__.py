"""``quantis web``: an embedded gRPC-web bridge, for local use and tests, that translates browser
requests to the gRPC server as deploy/envoy/envoy.yaml does in production, and serves the
dashboard's static files."""
