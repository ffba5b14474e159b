# syntax=docker/dockerfile:1.7
# A TorchServe worker host for Quantis model archives (.mar, model_store/handler.py).
#
# Build from the repository root:
#   docker build -f deploy/docker/torchserve.Dockerfile -t quantis/torchserve:0.1.0 .
# The archives carry the training and model_store code; the image supplies what that code
# imports (numpy, pandas, torch, statsforecast) at the versions the server trained with, by
# installing the same pinned project. PIP_EXTRA_INDEX_URL: see server.Dockerfile.
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
RUN pip install ./clients/python . torchserve==0.12.0 && python -c "import ts, training, model_store.handler"

FROM ${PYTHON_IMAGE}
# TorchServe 0.12 needs Java 17; Debian bookworm's headless JRE is enough.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 model-server \
    && useradd --uid 10001 --gid 10001 --home-dir /home/model-server --create-home \
        --shell /usr/sbin/nologin model-server \
    && install -d -o 10001 -g 10001 /home/model-server/model-store /home/model-server/tmp
COPY --from=build /opt/quantis /opt/quantis
COPY deploy/torchserve/config.properties /home/model-server/config.properties
# The logging of the server's own TorchServe: rotated files under logs/, only warnings on stdout.
COPY model_store/log4j2.xml /home/model-server/log4j2.xml
# TorchServe's workers run `python` from PATH: the venv's, which has the handler's imports.
ENV PATH=/opt/quantis/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/home/model-server/tmp/numba \
    TEMP=/home/model-server/tmp \
    TMPDIR=/home/model-server/tmp \
    LOG_LOCATION=/home/model-server/logs \
    METRICS_LOCATION=/home/model-server/logs
USER 10001:10001
WORKDIR /home/model-server
VOLUME ["/home/model-server/model-store"]
# REST inference (/ping), REST management, metrics, gRPC inference, gRPC management.
EXPOSE 8080 8081 8082 7070 7071
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/ping', timeout=4)"]
CMD ["torchserve", "--start", "--foreground", "--ncs", "--ts-config", "/home/model-server/config.properties", "--log-config", "/home/model-server/log4j2.xml", "--model-store", "/home/model-server/model-store"]
