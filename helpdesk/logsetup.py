"""Apply the config's logging section to the daemon's log: the level, and plain text or JSON lines."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from helpdesk.config import LoggingConfig

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Passed by log calls about one mail, e.g. log.info("...", extra={"ticket": number, "message_id": mid}).
CONTEXT_FIELDS = ("ticket", "message_id")
# imapclient logs every command and response at DEBUG; INFO and above keep them out.
WIRE_LOGGERS = ("imapclient",)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context fields
    the call passed, and the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(settings: LoggingConfig, verbose: bool = False) -> None:
    """Set the root level (DEBUG when `verbose`) and the format of the console handler.

    Only the plain stream handler logging.basicConfig made is reformatted: handlers an embedding
    program (or pytest) installed keep their own format."""
    level = logging.DEBUG if verbose else getattr(logging, settings.level)
    root = logging.getLogger()
    root.setLevel(level)
    formatter = JsonFormatter() if settings.format == "json" else logging.Formatter(TEXT_FORMAT)
    for handler in root.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setFormatter(formatter)
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if level == logging.DEBUG else logging.WARNING)
