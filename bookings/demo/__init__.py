"""Demo data for `manage.py seed_demo`: the data (catalogue), its pictures and the seeder."""
