# The helpdesk daemon as a container image: non-root, data and config on volumes, /healthz checked.
#   docker build -t helpdesk .
#   docker run -d --name helpdesk -v helpdesk-data:/var/lib/helpdesk -v helpdesk-config:/etc/helpdesk \
#     -e HELPDESK_IMAP_HOST=imap.example.com -e HELPDESK_IMAP_PASSWORD=... helpdesk
# A first start on a mailbox that already holds mail refuses until told what to do with it:
#   docker run … helpdesk run --backlog from-now   (or import, or answer)
# With PostgreSQL: deploy/compose.yaml. Pin the base by digest (python:3.11-slim-bookworm@sha256:…)
# for byte-for-byte rebuilds.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN python -m venv /opt/helpdesk/venv \
    && /opt/helpdesk/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
ENV PATH=/opt/helpdesk/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HELPDESK_METRICS_ENABLED=true \
    HELPDESK_METRICS_PORT=9464
RUN groupadd --system --gid 10001 helpdesk \
    && useradd --system --uid 10001 --gid helpdesk --home-dir /var/lib/helpdesk \
       --no-create-home --shell /usr/sbin/nologin helpdesk \
    && install -d -o helpdesk -g helpdesk -m 0700 /var/lib/helpdesk \
    && install -d -m 0755 /etc/helpdesk
COPY --from=build /opt/helpdesk/venv /opt/helpdesk/venv
# The starter config (SQLite and attachments in /var/lib/helpdesk); a new config volume starts with it.
COPY deploy/helpdesk.example.yaml /etc/helpdesk/helpdesk.yaml
VOLUME ["/var/lib/helpdesk", "/etc/helpdesk"]
WORKDIR /var/lib/helpdesk
USER helpdesk:helpdesk
EXPOSE 9464
# /healthz answers 503 when IMAP or the database has been away too long or the outbox is stuck.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HELPDESK_METRICS_PORT', '9464'), timeout=5)"]
# SIGTERM (docker stop) lets the mail in hand and the send in flight finish: allow it --time 90.
STOPSIGNAL SIGTERM
ENTRYPOINT ["helpdesk", "--config", "/etc/helpdesk/helpdesk.yaml"]
CMD ["run"]
