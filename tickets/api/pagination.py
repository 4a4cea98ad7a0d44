from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """``?page=N&page_size=M`` (at most 100 a page); a page past the end is a 404."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
