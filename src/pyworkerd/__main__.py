"""`python -m pyworkerd` is the `pyworkerd` command."""

from pyworkerd.cli.main import main

main()
