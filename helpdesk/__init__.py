"""helpdesk: an email-driven helpdesk daemon; a support mailbox becomes tickets, in Chinese and English.

The command line is `helpdesk` (helpdesk.cli); the assembled application is
helpdesk.daemon.Helpdesk; configuration is helpdesk.config.load_config.
"""

__version__ = "0.1.0"
