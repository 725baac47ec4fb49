"""`python -m helpdesk` runs the `helpdesk` command."""

from helpdesk.cli import run_cli

run_cli()
