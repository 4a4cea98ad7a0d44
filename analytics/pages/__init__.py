"""What each analytics page shows, built from the sources: cards, charts and tables.

One module per page; each declares its tables as data (analytics.tables.TableSpec) and exposes
one function that takes the parsed filter bar and returns a Page of plain data. views.py only
renders it or exports one of its tables as CSV.
"""

from analytics.pages.agents import agents
from analytics.pages.base import Card, Names, Page
from analytics.pages.compare import compare
from analytics.pages.csat import csat
from analytics.pages.models import models
from analytics.pages.overview import overview
from analytics.pages.response_times import response_times

__all__ = [
    "Card",
    "Names",
    "Page",
    "agents",
    "compare",
    "csat",
    "models",
    "overview",
    "response_times",
]
