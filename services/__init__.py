"""Application services: one transaction's worth of work, combining domain rules and repositories.

They sit between handlers/scheduler and storage so that handlers stay thin and the same action
(e.g. granting a role) behaves identically whether it comes from a command, a button or the CLI.
"""
