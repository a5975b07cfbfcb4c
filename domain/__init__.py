"""Pure rules of the product: no aiogram, no SQLAlchemy, no I/O, time passed in."""
