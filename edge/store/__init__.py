"""The board's local store (peewee on SQLite)."""
from .db import StoreError, StoreOpening, open_memory_store, open_store
from .models import database

__all__ = ["StoreError", "StoreOpening", "database", "open_memory_store", "open_store"]
