"""English date formats for staff screens (Django's own otherwise): the admin shows a
stored date or time the way staff_time and staff_date write it."""

from medspa.clock import CLOCK, STAFF_DATE, STAFF_DATETIME

DATE_FORMAT = STAFF_DATE
DATETIME_FORMAT = STAFF_DATETIME
TIME_FORMAT = CLOCK
SHORT_DATE_FORMAT = STAFF_DATE
SHORT_DATETIME_FORMAT = STAFF_DATETIME
