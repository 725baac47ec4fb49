"""The running daemon's /metrics and /healthz, scraped over HTTP while real IMAP, SMTP and SQLite work."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prometheus_client.parser import text_string_to_metric_families

from helpdesk.daemon import Helpdesk
from helpdesk.demo import customer_mail
from helpdesk.errors import ConfigError
from helpdesk.localservers import free_port
from tests.support.proxy import Proxy
from tests.test_end_to_end import wait_until


@contextmanager
def running(app: Helpdesk) -> Iterator[Helpdesk]:
    stop = threading.Event()
    daemon = threading.Thread(target=app.run, args=(stop,))
    daemon.start()
    try:
        yield app
    finally:
        stop.set()
        daemon.join(30)
    assert not daemon.is_alive()


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except urllib.error.URLError:  # not listening (yet, or any more)
        return 0, ""


def samples(port: int) -> dict[tuple[str, tuple], float]:
    """Every sample of one scrape, keyed by (name, sorted labels); none while nothing listens."""
    status, text = get(port, "/metrics")
    if status != 200:
        return {}
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def metrics_on(make_config, sqlite_url, metrics: dict | None = None, **sections):
    port = free_port()
    config = make_config(sqlite_url, metrics={"enabled": True, "port": port, **(metrics or {})}, **sections)
    return Helpdesk(config), port


def value(port: int, name: str, **labels: str) -> float | None:
    return samples(port).get((name, tuple(sorted(labels.items()))))


def test_a_processed_mail_shows_in_the_metrics_and_the_daemon_is_healthy(
    make_config, sqlite_url, account, smtp
):
    app, port = metrics_on(make_config, sqlite_url)
    with running(app):
        account.deliver(customer_mail("李雷 <li.lei@example.cn>", "系统无法登录", "无法登录"))
        wait_until(lambda: len(smtp.received) == 1)
        wait_until(lambda: value(port, "helpdesk_outbox_mails", status="sent") == 1)
        seen = samples(port)
        assert get(port, "/healthz") == (200, "ok\n")
        assert get(port, "/nothing")[0] == 404
    assert seen[("helpdesk_mails_fetched_total", ())] == 1
    assert seen[("helpdesk_mails_processed_total", (("outcome", "created"),))] == 1
    assert seen[("helpdesk_mails_processed_total", (("outcome", "quarantined"),))] == 0
    assert seen[("helpdesk_mail_processing_seconds_count", ())] == 1
    assert seen[("helpdesk_sweep_duration_seconds_count", ())] >= 1  # the sweep at start
    assert seen[("helpdesk_tickets", (("state", "new"),))] == 1
    assert seen[("helpdesk_tickets", (("state", "closed"),))] == 0  # every known state, zeros too
    assert seen[("helpdesk_outbox_mails", (("status", "pending"),))] == 0
    assert seen[("helpdesk_outbox_oldest_pending_age_seconds", ())] == 0
    for service in ("imap", "smtp", "database"):
        assert seen[("helpdesk_connection_up", (("service", service),))] == 1
    # A second daemon in the same process has its own registry: its counters start at zero.
    other, other_port = metrics_on(make_config, sqlite_url)
    with running(other):
        wait_until(lambda: get(other_port, "/healthz")[0] == 200)
        assert value(other_port, "helpdesk_mails_fetched_total") == 0
    assert get(port, "/healthz") == (0, "")  # the first daemon's port closed when it stopped


def test_healthz_fails_while_imap_is_unreachable_longer_than_the_threshold(
    make_config, sqlite_url, account, smtp
):
    proxy = Proxy(account.port).start()
    app, port = metrics_on(
        make_config, sqlite_url, imap={"port": proxy.port}, metrics={"unhealthy_after_seconds": 1}
    )
    with running(app):
        wait_until(lambda: value(port, "helpdesk_connection_up", service="imap") == 1)
        assert get(port, "/healthz")[0] == 200
        proxy.cut()  # the server goes away: refused from now on
        wait_until(lambda: value(port, "helpdesk_connection_up", service="imap") == 0)
        assert get(port, "/healthz")[0] == 200  # a blip is not yet unhealthy
        time.sleep(1.2)
        status, reason = get(port, "/healthz")
        assert status == 503 and reason.startswith("IMAP server unreachable for ")
        proxy.start()
        wait_until(lambda: get(port, "/healthz")[0] == 200)
    proxy.cut()


def test_healthz_fails_when_the_outbox_is_stuck(make_config, sqlite_url, account, smtp):
    # An SMTP relay nobody listens on: the acknowledgement waits in the outbox.
    app, port = metrics_on(
        make_config, sqlite_url, smtp={"port": free_port()}, metrics={"unhealthy_after_seconds": 1}
    )
    with running(app):
        account.deliver(customer_mail("Anna <anna@example.com>", "Cannot log in", "since this morning"))
        wait_until(lambda: value(port, "helpdesk_outbox_mails", status="pending") == 1)
        wait_until(lambda: get(port, "/healthz")[0] == 503)
        reason = get(port, "/healthz")[1]
        seen = samples(port)
    assert reason.startswith("outbox stuck: the oldest pending mail has waited ")
    assert seen[("helpdesk_outbox_oldest_pending_age_seconds", ())] > 1
    assert seen[("helpdesk_connection_up", (("service", "smtp"),))] == 0
    assert seen[("helpdesk_connection_up", (("service", "imap"),))] == 1


def test_a_metrics_port_in_use_is_one_clear_error(make_config, sqlite_url, account, smtp):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = Helpdesk(make_config(sqlite_url, metrics={"enabled": True, "port": port}))
        with pytest.raises(ConfigError, match=f"metrics: cannot listen on 127.0.0.1:{port}: "):
            app.run(threading.Event())
    app.close()


def test_metrics_are_off_by_default(make_config, sqlite_url, account, smtp):
    app = Helpdesk(make_config(sqlite_url))
    assert app.metrics is None
    app.close()
