# syntax=docker/dockerfile:1.7
# The Quantis image: the gRPC server (`quantis serve`, the default), the Celery training
# worker (`quantis worker`) and the migration job (`quantis db upgrade`) all run it.
#
# Build from the repository root:
#   docker build -f deploy/docker/server.Dockerfile -t quantis/server:0.1.0 .
# torch is installed first and alone, pinned as the Makefile does, so nothing later resolves
# another build. PyPI's default torch wheel carries CUDA; for a CPU image pass PyTorch's CPU
# wheel index: --build-arg PIP_EXTRA_INDEX_URL=<that index>.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PATH=/opt/quantis/bin:$PATH
RUN python -m venv /opt/quantis && pip install torch==2.13.0
WORKDIR /src
COPY clients/python clients/python
COPY pyproject.toml README.md ./
COPY server server
COPY training training
COPY model_store model_store
RUN pip install ./clients/python . && python -c "import server.app, training, model_store.archive"

FROM ${PYTHON_IMAGE}
# One unprivileged user, uid 10001, the same in the TorchServe image: both write the shared
# model store volume.
RUN groupadd --gid 10001 quantis \
    && useradd --uid 10001 --gid 10001 --home-dir /var/lib/quantis --no-create-home \
        --shell /usr/sbin/nologin quantis \
    && install -d -o 10001 -g 10001 /var/lib/quantis /var/lib/quantis/model-store
COPY --from=build /opt/quantis /opt/quantis
# Listen on every interface of the container; the rest are the server's own defaults. numba
# (statsforecast) caches compiled code beside the sources unless told otherwise, and the
# installed sources are read-only to this user.
ENV PATH=/opt/quantis/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/tmp/numba \
    QUANTIS_HOST=0.0.0.0 \
    QUANTIS_PORT=50051 \
    QUANTIS_METRICS_PORT=9464 \
    QUANTIS_DATA_DIR=/var/lib/quantis
USER 10001:10001
WORKDIR /var/lib/quantis
VOLUME ["/var/lib/quantis"]
EXPOSE 50051 9464
# grpc.health.v1 on QUANTIS_PORT: SERVING once started, NOT_SERVING while the database is
# down or the server drains. A worker or job container overrides or disables this check.
# `python -m server` is the `quantis` command without depending on which installed package owns
# that console-script name.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD ["python", "-m", "server", "health"]
ENTRYPOINT ["python", "-m", "server"]
CMD ["serve"]
