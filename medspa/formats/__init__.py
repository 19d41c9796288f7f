"""The admin's own date displays (a date field in a list, a history entry's time) in
the staff formats of medspa/clock.py: FORMAT_MODULE_PATH points here."""
