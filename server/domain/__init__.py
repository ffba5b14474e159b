"""Domain services: plain Python over repositories and backends; no grpc, no protobuf."""
