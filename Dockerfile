# The Tandem image: `tandem serve` by default; the same image runs `tandem worker` and
# `tandem migrate` (see docker-compose.yml).  Build with `docker build -t tandem .`
#
# The source lives in /srv/tandem and is installed there in editable mode, so `app/` stays
# beside `alembic/` and `alembic.ini`, where app/core/migrations.py looks for them.
# Both stages use the same base image, so the venv's interpreter path is valid in both;
# Python 3.11 is the version the test suite runs on (override with --build-arg PYTHON_IMAGE).
# No `# syntax=` directive: the builder's own Dockerfile frontend is used, so an air-gapped
# build needs only the base image.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
# build: dependencies and the project in a virtual environment (compilers allowed here only)
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# For any dependency without a wheel for this platform; none of this reaches the final stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /srv/tandem

# Dependencies first, read from pyproject.toml alone and pinned by constraints.txt (the
# versions the test suite ran with), so a code change reuses this layer.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep=chr(10))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt -c constraints.txt \
    && rm /tmp/requirements.txt

# Then the project itself, editable: puts `app` on the venv's path and the `tandem` command
# in /opt/venv/bin, while the code stays in /srv/tandem (README.md* copies it when present).
COPY alembic.ini README.md* ./
COPY app ./app
RUN pip install --no-deps --editable . \
    && python -m pip uninstall --yes pip setuptools wheel
# pip, setuptools and wheel leave the venv above: nothing installs packages at run time, and
# the editable install's path finder needs neither.

# ---------------------------------------------------------------------------------------------
# runtime: the venv and the files needed at run time; no compilers, no root
# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    TANDEM_ENV=production \
    TANDEM_DATA_DIR=/data

# The base interpreter's pip, setuptools and wheel go too (the venv's python is the one used).
RUN /usr/local/bin/python -m pip uninstall --yes pip setuptools wheel \
    && rm -rf /root/.cache \
    && groupadd --system --gid 10001 tandem \
    && useradd --system --uid 10001 --gid tandem --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin tandem \
    && mkdir -p /data \
    && chown tandem:tandem /data \
    && chmod 0750 /data

COPY --from=build /opt/venv /opt/venv

# Owned by root and read-only for the app user; only /data is writable.
WORKDIR /srv/tandem
COPY pyproject.toml alembic.ini README.md* ./
COPY app ./app
COPY alembic ./alembic
# Compiled once here, since PYTHONDONTWRITEBYTECODE stops the app user from caching bytecode.
RUN python -m compileall -q app alembic

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# Liveness only (no database call); python's urllib, as the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]

# Migrations are a separate step: `tandem migrate` (the `migrate` service in docker-compose.yml).
CMD ["tandem", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-migrate"]
