"""``python -m paralign`` runs the command line."""

from .cli import main

if __name__ == "__main__":  # not when imported (pytest's --doctest-modules imports every module)
    raise SystemExit(main())
