"""A bounded map kept in a worker's memory: the store behind the catalogue cache
(treatments/catalogue_cache.py) and the kept staff pages (bookings/desk_pages.py)."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

# What Kept.get() returns for a key it does not hold (None may be a kept value).
MISSING = object()


class Kept:
    """A map bounded by the total size of its values (`size` of each), oldest entries
    dropped first, shared by the worker's threads."""

    def __init__(self, max_size: int, size: Callable[[Any], int] = lambda value: 1) -> None:
        self.max_size = max_size
        self.size = size
        self.total = 0
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._entries.get(key, MISSING)
            if value is not MISSING:
                self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if key in self._entries:
                self.total -= self.size(self._entries.pop(key))
            self._entries[key] = value
            self.total += self.size(value)
            while self.total > self.max_size and len(self._entries) > 1:
                self.total -= self.size(self._entries.popitem(last=False)[1])
