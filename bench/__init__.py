"""Benchmarks: `python -m bench.<name>`, with their results written down in bench/README.md."""

from storage.crypto import KeyRing, install_keyring

# Personal fields are sealed at rest (storage/crypto.py): a benchmark seals with a throwaway
# key of its own, as the bot would with its configured one, so sealing is part of what it times.
install_keyring(KeyRing.generate())
