"""``python -m descentlab ...`` runs the command line."""

from .cli import main

main()
