"""Data shipped with the package: `templates` links to the source tree's templates/ folder."""
