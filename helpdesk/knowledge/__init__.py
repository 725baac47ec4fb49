"""The knowledge base: an entry for each archived ticket, full-text search over tickets and entries
(Chinese and English, on SQLite and PostgreSQL), and the similar past tickets of a new one."""

from helpdesk.knowledge.backend import SearchFilter
from helpdesk.knowledge.documents import archive, refresh, reindex
from helpdesk.knowledge.search import Hit, search
from helpdesk.knowledge.similar import Similar, similar_tickets

__all__ = ["Hit", "SearchFilter", "Similar", "archive", "refresh", "reindex", "search", "similar_tickets"]
