"""`python -m tracehouse` runs the command-line tool."""

from tracehouse.cli.main import main

main()
