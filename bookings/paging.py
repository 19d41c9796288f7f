"""One page of a list whose length is already known (the doctor's queue, the day
schedule's practitioners): no extra count query, and any odd ?page= is a real page."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    number: int  # from 1
    count: int  # pages in all, at least 1
    size: int  # items a page
    total: int  # items in all

    @classmethod
    def of(cls, requested: str | None, *, total: int, size: int) -> "Page":
        """The page asked for in the query string, within range; anything odd is page 1."""
        count = max(1, -(-total // size))
        try:
            number = int(requested) if requested and len(requested) < 6 else 1
        except ValueError:
            number = 1
        return cls(number=min(max(1, number), count), count=count, size=size, total=total)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def window(self) -> slice:
        return slice(self.offset, self.offset + self.size)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None

    @property
    def first_item(self) -> int:
        """The page's first item, counting from 1."""
        return self.offset + 1

    @property
    def last_item(self) -> int:
        return min(self.offset + self.size, self.total)
