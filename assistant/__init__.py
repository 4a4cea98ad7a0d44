"""The customer-service assistant: Django project package and the conversational side."""

# Importing the Celery app here makes @shared_task bind to it in every process (Celery's
# documented Django layout).
from assistant.celery import app as celery_app

__all__ = ["celery_app"]
